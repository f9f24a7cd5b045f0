/**
 * Rate-limit and budget counters: in-process for one replica, or in Redis so replicas share them.
 * Both implementations run the same algorithm, each admission as one atomic step:
 *
 * - Requests and tokens per minute are sliding-window logs: a request is admitted only if the
 *   requests (or tokens) admitted in the last 60 seconds, plus this one, stay within the limit. That
 *   bound holds in every 60-second window, not only on average, which is what lets replicas agree
 *   exactly.
 * - A budget keeps, per key and period, what was spent and what in-flight requests reserved. A
 *   request is admitted only if spent + reserved + its estimate stays within the limit; settling
 *   swaps its reservation for its real cost. Reservations of requests that never settle (a replica
 *   that died) expire.
 */
export const RATE_WINDOW_MS = 60_000;

export interface AdmissionInput {
  readonly keyId: string;
  /** Unique per request; settle() names the same id. */
  readonly requestId: string;
  readonly nowMs: number;
  readonly requestsPerMinute?: number;
  readonly tokens?: { readonly perMinute: number; readonly estimate: number };
  readonly budget?: BudgetAdmission;
}

export interface BudgetAdmission {
  readonly limitNanoUsd: bigint;
  readonly estimateNanoUsd: bigint;
  /** The period's bounds; counters are kept per period, so a new period starts from zero. */
  readonly periodStartMs: number;
  readonly periodEndMs: number;
  /** When this request's reservation is given up if it has not settled by then. */
  readonly reservationExpiresAtMs: number;
}

/** Where a sliding window stands after an admission decision. */
export interface WindowState {
  readonly limit: number;
  /** What is left for further requests now; 0 when exhausted. */
  readonly remaining: number;
  /** Milliseconds until the oldest counted entry leaves the window (so `remaining` grows). */
  readonly resetMs: number;
}

export type AdmissionOutcome =
  | { readonly kind: "admitted"; readonly requests?: WindowState; readonly tokens?: WindowState }
  | {
      readonly kind: "rate_limited";
      readonly limit: "requests" | "tokens";
      /** How long until the request would fit; undefined when it never can (more tokens than the limit). */
      readonly retryAfterMs: number | undefined;
      readonly requests?: WindowState;
      readonly tokens?: WindowState;
    }
  | { readonly kind: "over_budget"; readonly spentNanoUsd: bigint; readonly reservedNanoUsd: bigint }
  /** The counters do not know this period's spending yet: seed it (from the ledger) and ask again. */
  | { readonly kind: "budget_unseeded" };

export interface SettleInput {
  readonly keyId: string;
  readonly requestId: string;
  /** Real tokens, replacing the estimate in the tokens-per-minute window. */
  readonly tokens?: number;
  /** The real cost, replacing the reservation in the period it was made in. */
  readonly budget?: { readonly periodStartMs: number; readonly costNanoUsd: bigint };
}

export interface LimitCounters {
  admit(input: AdmissionInput): Promise<AdmissionOutcome>;
  /** Sets a period's spending unless some replica already did; `periodEndMs` bounds how long it is kept. */
  seedBudget(keyId: string, periodStartMs: number, periodEndMs: number, spentNanoUsd: bigint): Promise<void>;
  settle(input: SettleInput): Promise<void>;
  close(): Promise<void>;
}
