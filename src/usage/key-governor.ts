import { GatewayError } from "../errors/index.js";
import type { Principal } from "../keys/index.js";
import type { AdmissionInput, KeyLimits, LimitCounters } from "../store/index.js";
import { budgetPeriodAt } from "./budget-period.js";
import { formatUsd } from "./money.js";
import { rateLimitHeaders } from "./rate-limit-headers.js";

export interface KeyGovernorOptions {
  readonly counters: LimitCounters;
  /** The cost a key already spent in a period, for counters that do not know it yet (after a restart). */
  readonly spentBetween: (keyId: string, startMs: number, endMs: number) => Promise<bigint>;
  /** Milliseconds since the epoch; decides periods and windows. */
  readonly clock: () => number;
  /**
   * How long a budget reservation is held for a request that never settles (its replica died),
   * in milliseconds. Default 15 minutes; a request still running then settles its real cost anyway.
   */
  readonly reservationTtlMs?: number;
  /** Told when settling fails; the ledger still has the request. */
  readonly onError: (error: unknown) => void;
}

/** What a request is expected to use, computed only for keys with token or budget limits. */
export interface RequestEstimate {
  readonly tokens: number;
  /** Undefined when no price is known for a deployment that could serve the request. */
  readonly costNanoUsd: bigint | undefined;
}

/** An admitted request's hold on the counters, released by settle(). */
export interface Admission {
  readonly keyId: string;
  readonly requestId: string;
  /** Set when the tokens-per-minute window counted this request's estimate. */
  readonly countsTokens: boolean;
  /** Set when a budget reservation was made in the period starting then. */
  readonly budgetPeriodStartMs: number | undefined;
}

export type AdmissionDecision =
  | { readonly admitted: true; readonly admission: Admission; readonly headers: readonly [string, string][] }
  | { readonly admitted: false; readonly error: GatewayError; readonly headers: readonly [string, string][] };

const DEFAULT_RESERVATION_TTL_MS = 15 * 60_000;

/** Only token and budget limits need to know what a request will use. */
function needsEstimate(limits: KeyLimits): boolean {
  return limits.tokensPerMinute !== undefined || limits.budget !== undefined;
}
const NO_HEADERS: readonly [string, string][] = [];

/**
 * Applies a key's requests-per-minute, tokens-per-minute and budget limits: admits or refuses each
 * request before it is sent, and settles it with its real usage afterwards. Keys without limits
 * never touch the counters.
 */
export class KeyGovernor {
  readonly #counters: LimitCounters;
  readonly #spentBetween: KeyGovernorOptions["spentBetween"];
  readonly #clock: () => number;
  readonly #reservationTtlMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #settling = new Set<Promise<void>>();

  constructor(options: KeyGovernorOptions) {
    this.#counters = options.counters;
    this.#spentBetween = options.spentBetween;
    this.#clock = options.clock;
    this.#reservationTtlMs = options.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS;
    this.#onError = options.onError;
  }

  async admit(principal: Principal, requestId: string, estimate: () => RequestEstimate): Promise<AdmissionDecision> {
    const { limits, keyId } = principal;
    if (limits.requestsPerMinute === undefined && !needsEstimate(limits)) {
      return { admitted: true, admission: { keyId, requestId, countsTokens: false, budgetPeriodStartMs: undefined }, headers: NO_HEADERS };
    }
    const expected = needsEstimate(limits) ? estimate() : undefined;
    const nowMs = this.#clock();
    const period = limits.budget === undefined ? undefined : budgetPeriodAt(limits.budget.period, nowMs);
    if (limits.budget !== undefined && expected?.costNanoUsd === undefined) {
      return {
        admitted: false,
        error: new GatewayError(
          "permission_denied",
          "This key has a budget, and no price is known for a deployment that could serve this model; an operator must declare the deployment's model or give it a pricing override.",
          { param: "model" },
        ),
        headers: NO_HEADERS,
      };
    }
    const input: AdmissionInput = {
      keyId,
      requestId,
      nowMs,
      ...(limits.requestsPerMinute !== undefined && { requestsPerMinute: limits.requestsPerMinute }),
      ...(limits.tokensPerMinute !== undefined && expected !== undefined && {
        tokens: { perMinute: limits.tokensPerMinute, estimate: expected.tokens },
      }),
      ...(limits.budget !== undefined && period !== undefined && expected?.costNanoUsd !== undefined && {
        budget: {
          limitNanoUsd: limits.budget.limitNanoUsd,
          estimateNanoUsd: expected.costNanoUsd,
          periodStartMs: period.startMs,
          periodEndMs: period.endMs,
          reservationExpiresAtMs: nowMs + this.#reservationTtlMs,
        },
      }),
    };
    let outcome = await this.#counters.admit(input);
    if (outcome.kind === "budget_unseeded" && input.budget !== undefined) {
      const { periodStartMs, periodEndMs } = input.budget;
      await this.#counters.seedBudget(keyId, periodStartMs, periodEndMs, await this.#spentBetween(keyId, periodStartMs, periodEndMs));
      outcome = await this.#counters.admit(input);
    }
    switch (outcome.kind) {
      case "admitted":
        return {
          admitted: true,
          admission: {
            keyId,
            requestId,
            countsTokens: input.tokens !== undefined,
            budgetPeriodStartMs: input.budget?.periodStartMs,
          },
          headers: rateLimitHeaders(outcome),
        };
      case "rate_limited": {
        const headers = rateLimitHeaders(outcome);
        if (outcome.retryAfterMs === undefined) {
          // The request alone exceeds the limit: retrying cannot help, and the openai SDK should not.
          headers.push(["x-should-retry", "false"]);
          return {
            admitted: false,
            error: new GatewayError(
              "rate_limit_exceeded",
              `This request is estimated at ${input.tokens?.estimate ?? 0} tokens, more than this key's limit of ${limits.tokensPerMinute ?? 0} tokens per minute; lower max_tokens or the prompt.`,
            ),
            headers,
          };
        }
        const what = outcome.limit === "requests"
          ? `${limits.requestsPerMinute ?? 0} requests per minute`
          : `${limits.tokensPerMinute ?? 0} tokens per minute`;
        return {
          admitted: false,
          error: new GatewayError("rate_limit_exceeded", `Rate limit of ${what} reached for this key. Retry after the time in Retry-After.`, {
            retryAfterMs: Math.max(1, outcome.retryAfterMs),
          }),
          headers,
        };
      }
      case "over_budget":
        return {
          admitted: false,
          error: new GatewayError(
            "insufficient_quota",
            `This key's budget of $${formatUsd(limits.budget?.limitNanoUsd ?? 0n)} per ${limits.budget?.period ?? "period"} is spent ($${formatUsd(outcome.spentNanoUsd)} spent, $${formatUsd(outcome.reservedNanoUsd)} reserved by requests in flight). It renews at ${new Date(period?.endMs ?? nowMs).toISOString()}.`,
          ),
          // A budget renews in hours or weeks: an automatic retry cannot help.
          headers: [["x-should-retry", "false"]],
        };
      case "budget_unseeded":
        throw new Error("The limit counters still had no budget for the period after seeding it.");
    }
  }

  /**
   * Replaces the estimate with the real usage, off the request path: the caller does not wait, and
   * a failure is reported rather than thrown.
   */
  settle(admission: Admission, actual: { readonly tokens: number; readonly costNanoUsd: bigint }): void {
    if (!admission.countsTokens && admission.budgetPeriodStartMs === undefined) return;
    const settling = this.#counters
      .settle({
        keyId: admission.keyId,
        requestId: admission.requestId,
        ...(admission.countsTokens && { tokens: actual.tokens }),
        ...(admission.budgetPeriodStartMs !== undefined && {
          budget: { periodStartMs: admission.budgetPeriodStartMs, costNanoUsd: actual.costNanoUsd },
        }),
      })
      .catch(this.#onError)
      .finally(() => this.#settling.delete(settling));
    this.#settling.add(settling);
  }

  /** Waits for settlements in progress, so none is cut off when the counters close. */
  async drain(): Promise<void> {
    await Promise.all([...this.#settling]);
  }
}
