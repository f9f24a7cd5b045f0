import { createContextKey } from "@connectrpc/connect";
import type { CancelSignal } from "../cancel/index.js";
import { GatewayError } from "../errors/index.js";
import type { KeyRegistry, Principal } from "../keys/index.js";
import { readGatewayKey } from "../keys/index.js";
import type { RequestTelemetry } from "../observability/index.js";
import type { AzureOverride } from "../pool/index.js";

/** Who is calling and how long they wait: what both doors (REST and RPC) hand the chat core. */
export interface ChatCall {
  readonly principal: Principal;
  /** Fires when the caller goes away or its deadline passes. */
  readonly signal: CancelSignal;
  readonly override: AzureOverride | undefined;
  /** How long the caller waits, in ms: its RPC deadline or TIMEOUT_HEADER, whichever is sooner. */
  readonly timeoutMs: number | undefined;
  /** The request's logs, metrics and trace; the door adds it. */
  readonly telemetry?: RequestTelemetry | undefined;
}

/**
 * The binary RPC path's own signal for a call (a CallAbort), which the chat service listens to
 * instead of HandlerContext.signal: then no AbortSignal is made for the call. Unset on connect-es's
 * handlers.
 */
export const CALL_SIGNAL = createContextKey<CancelSignal | undefined>(undefined, { description: "tensorwall call signal" });

/** A REST caller's deadline for the whole request, in milliseconds (RPC callers have their own). */
const TIMEOUT_HEADER = "x-tensorwall-timeout-ms";
const MAX_TIMEOUT_MS = 86_400_000;

export type HeaderReader = (name: string) => string | null | undefined;

/**
 * Authenticates the caller from request headers (or RPC metadata) and reads its Azure override and
 * deadline. `deadlineMs` is the protocol's own deadline (an RPC's remaining time), if any.
 */
export async function chatCallFromHeaders(
  keys: KeyRegistry,
  header: HeaderReader,
  signal: CancelSignal,
  deadlineMs?: number,
): Promise<ChatCall> {
  const principal = await keys.authenticate(readGatewayKey(header));
  const headerMs = readTimeout(header);
  const timeoutMs = deadlineMs === undefined || headerMs === undefined ? deadlineMs ?? headerMs : Math.min(deadlineMs, headerMs);
  return { principal, signal, override: readAzureOverride(header), timeoutMs };
}

function readTimeout(header: HeaderReader): number | undefined {
  const raw = header(TIMEOUT_HEADER)?.trim();
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > MAX_TIMEOUT_MS) {
    throw new GatewayError("invalid_request", `${TIMEOUT_HEADER} must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}.`);
  }
  return value;
}

function readAzureOverride(header: HeaderReader): AzureOverride | undefined {
  const endpointUrl = header("x-azure-endpoint") ?? undefined;
  const apiKey = header("x-azure-api-key") ?? undefined;
  if (endpointUrl === undefined && apiKey === undefined) return undefined;
  return { endpointUrl, apiKey };
}
