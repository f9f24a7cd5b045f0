import type { KeyRegistry, Principal } from "../keys/index.js";
import { readGatewayKey } from "../keys/index.js";
import type { AzureOverride } from "../pool/index.js";

/** Who is calling and how long they wait: what both doors (REST and RPC) hand the chat core. */
export interface ChatCall {
  readonly principal: Principal;
  /** Fires when the caller goes away or its deadline passes. */
  readonly signal: AbortSignal;
  readonly override: AzureOverride | undefined;
}

export type HeaderReader = (name: string) => string | null | undefined;

/** Authenticates the caller from request headers (or RPC metadata) and reads its Azure override. */
export async function chatCallFromHeaders(keys: KeyRegistry, header: HeaderReader, signal: AbortSignal): Promise<ChatCall> {
  const principal = await keys.authenticate(readGatewayKey(header));
  return { principal, signal, override: readAzureOverride(header) };
}

function readAzureOverride(header: HeaderReader): AzureOverride | undefined {
  const endpointUrl = header("x-azure-endpoint") ?? undefined;
  const apiKey = header("x-azure-api-key") ?? undefined;
  if (endpointUrl === undefined && apiKey === undefined) return undefined;
  return { endpointUrl, apiKey };
}
