import { GatewayError } from "../errors/index.js";

/** Where the request was when it failed: before Azure's response headers, or while reading the body. */
export type RequestPhase = "awaiting_response" | "reading_body";

// Azure was never reached, or dropped the connection before answering: another deployment may work.
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_CLOSED",
  "UND_ERR_DESTROYED",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

const TIMED_OUT = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/**
 * An undici or Node error becomes a GatewayError. The message never repeats the cause, which can
 * name hosts or carry headers; the cause itself is kept for logs.
 */
export function networkError(cause: unknown, phase: RequestPhase): GatewayError {
  if (cause instanceof GatewayError) return cause;
  const code = errorCode(cause);
  if (code !== undefined && TIMED_OUT.has(code)) {
    return new GatewayError(
      "upstream_timeout",
      phase === "awaiting_response"
        ? "Azure OpenAI did not start answering in time."
        : "Azure OpenAI stopped sending the response for too long.",
      { cause },
    );
  }
  if (code !== undefined && UNREACHABLE.has(code)) {
    // Once the response has begun, Azure was reachable: a dropped connection is a failed answer.
    return phase === "awaiting_response"
      ? new GatewayError("upstream_unavailable", undefined, { cause })
      : new GatewayError(
          "upstream_error",
          "Azure OpenAI closed the connection before the response was complete.",
          { cause },
        );
  }
  return new GatewayError("upstream_error", undefined, { cause });
}

// undici wraps some socket errors; the useful code may sit one level down.
function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; depth < 3 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && (UNREACHABLE.has(code) || TIMED_OUT.has(code))) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
