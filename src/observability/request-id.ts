import { randomUUID } from "node:crypto";

/** The header that carries a request's id, in and out, on every door (REST header, RPC metadata). */
export const REQUEST_ID_HEADER = "x-request-id";

// Bounded and plain, so a caller's id can go into log lines and response headers as it is: UUIDs,
// ULIDs and the ids of common proxies and tracing tools fit.
const SANE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** The caller's `x-request-id` when it is sane (at most 128 letters, digits or `_.:@/+=-`), else a new UUID. */
export function requestIdFrom(header: string | readonly string[] | undefined): string {
  const value = typeof header === "string" ? header : header?.[0];
  return value !== undefined && SANE_REQUEST_ID.test(value) ? value : randomUUID();
}
