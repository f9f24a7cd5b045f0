import type { JsonObject } from "@bufbuild/protobuf";
import { GatewayError } from "../errors/index.js";
import type { AzureTarget } from "./azure-target.js";

/** The api-version value that selects Azure's v1 API, which names the deployment in the body. */
export const AZURE_V1_API_VERSION = "v1";

type UrlTarget = Pick<AzureTarget, "endpointUrl" | "deployment" | "apiVersion">;

/** The chat completions URL for a target, on either the deployments API or the v1 API. */
export function chatCompletionsUrl(target: UrlTarget): string {
  const base = stripTrailingSlashes(target.endpointUrl);
  if (!isHttpUrl(base)) {
    throw new GatewayError("invalid_endpoint", "The Azure endpoint is not an http(s) URL.");
  }
  if (target.apiVersion === AZURE_V1_API_VERSION) {
    return `${base}/openai/v1/chat/completions`;
  }
  const deployment = encodeURIComponent(target.deployment);
  const apiVersion = encodeURIComponent(target.apiVersion);
  return `${base}/openai/deployments/${deployment}/chat/completions?api-version=${apiVersion}`;
}

/**
 * The JSON text sent to Azure. The deployments API names the deployment in the path, so any `model`
 * is dropped; the v1 API needs it in the body. The caller's object is never modified.
 */
export function chatCompletionsBody(target: UrlTarget, body: JsonObject): string {
  if (target.apiVersion === AZURE_V1_API_VERSION) {
    return JSON.stringify({ ...body, model: target.deployment });
  }
  if (!("model" in body)) return JSON.stringify(body);
  const { model: _dropped, ...rest } = body;
  return JSON.stringify(rest);
}

// A loop rather than /\/+$/, which backtracks quadratically on long runs of slashes.
function stripTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === 0x2f) end--;
  return url.slice(0, end);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}
