import type { GatewayError } from "../errors/index.js";

/**
 * What one failed upstream attempt means for the request and for the deployment:
 * - `canceled`: the caller went away. Stop; the deployment did nothing wrong.
 * - `caller`: the request itself is at fault (400, content filter, an endpoint the caller chose).
 *   Another deployment would say the same: answer it as is. So does a bug of ours (internal_error).
 * - `misconfigured`: this deployment cannot serve anyone (Azure refused our credentials, or has no
 *   such deployment). Fail over and do not come back to it for this request.
 * - `rate_limited`: Azure's 429. Cool the deployment down for as long as Azure asked, fail over.
 * - `failed`: 5xx, unreachable, timed out, broken answer. Fail over; retrying it later may work.
 */
export type AttemptFailure =
  | { readonly kind: "canceled" }
  | { readonly kind: "caller" }
  | { readonly kind: "misconfigured" }
  | { readonly kind: "rate_limited"; readonly retryAfterMs: number }
  | { readonly kind: "failed"; readonly retryAfterMs: number | undefined };

export function attemptFailure(error: GatewayError): AttemptFailure {
  switch (error.code) {
    case "request_canceled":
      return { kind: "canceled" };
    case "upstream_auth_failed":
    case "deployment_not_found":
      return { kind: "misconfigured" };
    case "upstream_rate_limited":
      return { kind: "rate_limited", retryAfterMs: error.retryAfterMs ?? 0 };
    case "upstream_error":
    case "upstream_unavailable":
    case "upstream_timeout":
      return { kind: "failed", retryAfterMs: error.retryAfterMs };
    default:
      return { kind: "caller" };
  }
}
