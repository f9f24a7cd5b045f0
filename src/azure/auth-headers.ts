import { toAbortSignal, type CancelSignal } from "../cancel/index.js";
import { GatewayError } from "../errors/index.js";
import type { AzureAuth } from "./azure-target.js";

/**
 * The headers that authenticate one request to Azure OpenAI. A token source that fails is reported
 * as an upstream auth problem (the gateway's own credentials), unless the caller canceled meanwhile.
 */
export async function authHeaders(
  auth: AzureAuth,
  signal: CancelSignal,
): Promise<Record<string, string>> {
  if (auth.kind === "api_key") return { "api-key": auth.apiKey };
  let token: string;
  try {
    token = await auth.getToken(toAbortSignal(signal));
  } catch (error) {
    if (signal.aborted) throw new GatewayError("request_canceled", undefined, { cause: error });
    if (error instanceof GatewayError) throw error;
    throw new GatewayError(
      "upstream_auth_failed",
      "The gateway could not obtain an Entra ID token for Azure OpenAI.",
      { cause: error },
    );
  }
  return { authorization: `Bearer ${token}` };
}
