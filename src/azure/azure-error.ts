import { GatewayError } from "../errors/index.js";
import { isJsonObject } from "./json-object.js";
import type { ResponseHeaders } from "./response-headers.js";
import { retryAfterMs } from "./retry-after.js";

/** A non-2xx answer from Azure OpenAI, as read off the wire. */
export interface AzureErrorResponse {
  status: number;
  /** The parsed JSON body, or undefined when the body was empty or not JSON. */
  body: unknown;
  headers: ResponseHeaders;
  /** The deployment the request was for, to name it in a not-found message. */
  deployment: string;
}

export interface AzureErrorOptions {
  /** Clamp for Retry-After delays, in milliseconds. */
  maxRetryAfterMs: number;
  /** The current time in epoch milliseconds (for HTTP-date Retry-After). */
  nowMs: number;
}

/** Used when Azure rate limits without saying for how long. */
export const DEFAULT_RATE_LIMIT_RETRY_MS = 1000;

/**
 * Azure's answer becomes one GatewayError, for every status. Only 400s describe the caller's own
 * request, so only they carry Azure's text to the caller; everything else keeps Azure's body in
 * `cause`, for logs.
 */
export function azureResponseError(response: AzureErrorResponse, options: AzureErrorOptions): GatewayError {
  const { status, headers, deployment } = response;
  const error = azureErrorObject(response.body);
  const cause = { status, body: response.body };
  const retryOptions = { nowMs: options.nowMs, maxMs: options.maxRetryAfterMs };

  if (status === 400) {
    if (isContentFilter(error)) return contentFilterError(error, cause);
    const param = stringField(error, "param");
    return new GatewayError("upstream_bad_request", stringField(error, "message"), {
      ...(param !== undefined && { param }),
      cause,
    });
  }
  if (status === 401 || status === 403) {
    // Azure's wording talks about "subscription keys"; to the caller this is the gateway's problem.
    return new GatewayError("upstream_auth_failed", undefined, { cause });
  }
  if (status === 404) {
    return new GatewayError(
      "deployment_not_found",
      `Azure OpenAI has no deployment named ${JSON.stringify(deployment)} at this endpoint.`,
      { cause },
    );
  }
  if (status === 429) {
    return new GatewayError(
      "upstream_rate_limited",
      `Azure OpenAI is rate limiting deployment ${JSON.stringify(deployment)}.`,
      {
        retryAfterMs: retryAfterMs(headers, retryOptions) ??
          Math.min(DEFAULT_RATE_LIMIT_RETRY_MS, options.maxRetryAfterMs),
        cause,
      },
    );
  }
  if (status === 408 || (status >= 500 && status <= 599)) {
    const retry = retryAfterMs(headers, retryOptions);
    return new GatewayError("upstream_error", `Azure OpenAI failed to answer (HTTP ${status}).`, {
      ...(retry !== undefined && { retryAfterMs: retry }),
      cause,
    });
  }
  if (status >= 300 && status <= 399) {
    return new GatewayError(
      "upstream_error",
      `Azure OpenAI answered with a redirect (HTTP ${status}), which the gateway does not follow.`,
      { cause },
    );
  }
  return new GatewayError("upstream_error", `Azure OpenAI answered with unexpected HTTP status ${status}.`, {
    cause,
  });
}

/**
 * An `error` payload inside an SSE `data:` event. The stream has already begun, so it can only end
 * the stream; a content filter keeps its meaning and result.
 */
export function azureStreamError(error: unknown): GatewayError {
  const cause = { streamError: error };
  if (isJsonObject(error) && isContentFilter(error)) return contentFilterError(error, cause);
  return new GatewayError("upstream_error", "Azure OpenAI reported an error in the middle of the stream.", {
    cause,
  });
}

type AzureErrorObject = Readonly<Record<string, unknown>>;

// Azure OpenAI answers `{"error": {...}}`; API Management in front of it answers
// `{"statusCode": 401, "message": "..."}`. Either way we want the object holding `message`.
function azureErrorObject(body: unknown): AzureErrorObject | undefined {
  if (!isJsonObject(body)) return undefined;
  const inner = body["error"];
  return isJsonObject(inner) ? inner : body;
}

function isContentFilter(error: AzureErrorObject | undefined): error is AzureErrorObject {
  if (error === undefined) return false;
  if (error["code"] === "content_filter") return true;
  // Some api-versions only mark the policy violation in innererror.
  const inner = error["innererror"];
  return isJsonObject(inner) && inner["code"] === "ResponsibleAIPolicyViolation";
}

function contentFilterError(error: AzureErrorObject, cause: unknown): GatewayError {
  const inner = error["innererror"];
  return new GatewayError("content_filter", stringField(error, "message"), {
    ...(isJsonObject(inner) && { detail: { innererror: inner } }),
    cause,
  });
}

function stringField(error: AzureErrorObject | undefined, name: string): string | undefined {
  const value = error?.[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}
