import {
  RATE_WINDOW_MS,
  type AdmissionInput,
  type AdmissionOutcome,
  type LimitCounters,
  type SettleInput,
  type WindowState,
} from "./limit-counters.js";

interface TokenEntry {
  readonly requestId: string;
  readonly atMs: number;
  tokens: number;
}

interface BudgetState {
  readonly periodStartMs: number;
  spentNanoUsd: bigint;
  reservedNanoUsd: bigint;
  readonly reservations: Map<string, { readonly amountNanoUsd: bigint; readonly expiresAtMs: number }>;
}

interface KeyCounters {
  /** Admission times, oldest first. */
  readonly requests: number[];
  /** Oldest first; `tokenEntries` finds one by request for settlement. */
  readonly tokens: TokenEntry[];
  readonly tokenEntries: Map<string, TokenEntry>;
  tokenSum: number;
  budget: BudgetState | undefined;
}

/**
 * The counters of one process (no REDIS_URL). Exact for a single replica; each replica of several
 * would count only its own requests. Every method does its work synchronously, so an admission is
 * atomic with respect to every other.
 */
export class InProcessCounters implements LimitCounters {
  readonly #keys = new Map<string, KeyCounters>();

  async admit(input: AdmissionInput): Promise<AdmissionOutcome> {
    const counters = this.#countersFor(input.keyId);
    const { nowMs } = input;
    evictExpired(counters, nowMs);

    if (input.budget !== undefined) {
      const budget = counters.budget;
      if (budget === undefined || budget.periodStartMs !== input.budget.periodStartMs) return { kind: "budget_unseeded" };
      for (const [requestId, reservation] of budget.reservations) {
        if (reservation.expiresAtMs <= nowMs) {
          budget.reservations.delete(requestId);
          budget.reservedNanoUsd -= reservation.amountNanoUsd;
        }
      }
      if (budget.spentNanoUsd + budget.reservedNanoUsd + input.budget.estimateNanoUsd > input.budget.limitNanoUsd) {
        return { kind: "over_budget", spentNanoUsd: budget.spentNanoUsd, reservedNanoUsd: budget.reservedNanoUsd };
      }
    }

    const requestLimit = input.requestsPerMinute;
    if (requestLimit !== undefined && counters.requests.length >= requestLimit) {
      const unblocking = counters.requests[counters.requests.length - requestLimit]!;
      return {
        kind: "rate_limited",
        limit: "requests",
        retryAfterMs: unblocking + RATE_WINDOW_MS - nowMs,
        requests: this.#requestState(counters, requestLimit, nowMs),
        ...(input.tokens && { tokens: tokenState(counters, input.tokens.perMinute, nowMs) }),
      };
    }
    if (input.tokens !== undefined && counters.tokenSum + input.tokens.estimate > input.tokens.perMinute) {
      return {
        kind: "rate_limited",
        limit: "tokens",
        retryAfterMs: tokensRetryAfterMs(counters, input.tokens.perMinute, input.tokens.estimate, nowMs),
        ...(requestLimit !== undefined && { requests: this.#requestState(counters, requestLimit, nowMs) }),
        tokens: tokenState(counters, input.tokens.perMinute, nowMs),
      };
    }

    if (input.budget !== undefined && counters.budget !== undefined) {
      counters.budget.reservedNanoUsd += input.budget.estimateNanoUsd;
      counters.budget.reservations.set(input.requestId, {
        amountNanoUsd: input.budget.estimateNanoUsd,
        expiresAtMs: input.budget.reservationExpiresAtMs,
      });
    }
    if (requestLimit !== undefined) counters.requests.push(nowMs);
    if (input.tokens !== undefined) {
      const entry: TokenEntry = { requestId: input.requestId, atMs: nowMs, tokens: input.tokens.estimate };
      counters.tokens.push(entry);
      counters.tokenEntries.set(input.requestId, entry);
      counters.tokenSum += entry.tokens;
    }
    return {
      kind: "admitted",
      ...(requestLimit !== undefined && { requests: this.#requestState(counters, requestLimit, nowMs) }),
      ...(input.tokens && { tokens: tokenState(counters, input.tokens.perMinute, nowMs) }),
    };
  }

  async seedBudget(keyId: string, periodStartMs: number, _periodEndMs: number, spentNanoUsd: bigint): Promise<void> {
    const counters = this.#countersFor(keyId);
    // Seeding is "set if absent": a period that is already counted keeps its counts.
    if (counters.budget?.periodStartMs === periodStartMs) return;
    counters.budget = { periodStartMs, spentNanoUsd, reservedNanoUsd: 0n, reservations: new Map() };
  }

  async settle(input: SettleInput): Promise<void> {
    const counters = this.#keys.get(input.keyId);
    if (counters === undefined) return;
    if (input.tokens !== undefined) {
      const entry = counters.tokenEntries.get(input.requestId);
      // Absent once the entry has left the window: a late settlement no longer counts there.
      if (entry !== undefined) {
        counters.tokenSum += input.tokens - entry.tokens;
        entry.tokens = input.tokens;
      }
    }
    const budget = counters.budget;
    // A settlement for a period that has since rolled over changes nothing that is still checked.
    if (input.budget !== undefined && budget !== undefined && budget.periodStartMs === input.budget.periodStartMs) {
      const reservation = budget.reservations.get(input.requestId);
      if (reservation !== undefined) {
        budget.reservations.delete(input.requestId);
        budget.reservedNanoUsd -= reservation.amountNanoUsd;
      }
      budget.spentNanoUsd += input.budget.costNanoUsd;
    }
  }

  async close(): Promise<void> {
    this.#keys.clear();
  }

  #countersFor(keyId: string): KeyCounters {
    let counters = this.#keys.get(keyId);
    if (counters === undefined) {
      counters = { requests: [], tokens: [], tokenEntries: new Map(), tokenSum: 0, budget: undefined };
      this.#keys.set(keyId, counters);
    }
    return counters;
  }

  #requestState(counters: KeyCounters, limit: number, nowMs: number): WindowState {
    const oldest = counters.requests[0];
    return {
      limit,
      remaining: Math.max(0, limit - counters.requests.length),
      resetMs: oldest === undefined ? 0 : oldest + RATE_WINDOW_MS - nowMs,
    };
  }
}

function evictExpired(counters: KeyCounters, nowMs: number): void {
  const cutoff = nowMs - RATE_WINDOW_MS;
  let stale = 0;
  while (stale < counters.requests.length && counters.requests[stale]! <= cutoff) stale += 1;
  if (stale > 0) counters.requests.splice(0, stale);
  stale = 0;
  while (stale < counters.tokens.length && counters.tokens[stale]!.atMs <= cutoff) {
    const entry = counters.tokens[stale]!;
    counters.tokenSum -= entry.tokens;
    counters.tokenEntries.delete(entry.requestId);
    stale += 1;
  }
  if (stale > 0) counters.tokens.splice(0, stale);
}

function tokenState(counters: KeyCounters, limit: number, nowMs: number): WindowState {
  const oldest = counters.tokens[0];
  return {
    limit,
    remaining: Math.max(0, limit - counters.tokenSum),
    resetMs: oldest === undefined ? 0 : oldest.atMs + RATE_WINDOW_MS - nowMs,
  };
}

function tokensRetryAfterMs(counters: KeyCounters, limit: number, estimate: number, nowMs: number): number | undefined {
  if (estimate > limit) return undefined;
  let sum = counters.tokenSum;
  for (const entry of counters.tokens) {
    sum -= entry.tokens;
    if (sum + estimate <= limit) return entry.atMs + RATE_WINDOW_MS - nowMs;
  }
  return undefined;
}
