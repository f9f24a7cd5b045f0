import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import {
  RATE_WINDOW_MS,
  type AdmissionInput,
  type AdmissionOutcome,
  type LimitCounters,
  type SettleInput,
  type WindowState,
} from "./limit-counters.js";
import { ADMIT_SCRIPT, SEED_SCRIPT, SETTLE_SCRIPT } from "./redis-scripts.js";

export interface RedisCountersOptions {
  /** Prefix of every Redis key written. Default "tensorwall:". */
  readonly keyPrefix?: string;
  /** How long a period's budget counters outlive the period, for late settlements, in ms. Default one day. */
  readonly budgetRetentionMs?: number;
}

type ScriptReply = [string, number, number, number, number, number, number, number];

const DEFAULT_BUDGET_RETENTION_MS = 86_400_000;

interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash("sha1").update(source).digest("hex") };
}

const ADMIT = script(ADMIT_SCRIPT);
const SETTLE = script(SETTLE_SCRIPT);
const SEED = script(SEED_SCRIPT);

/**
 * Rate-limit and budget counters in Redis (REDIS_URL), shared exactly by every replica: each
 * admission and settlement is one Lua script, which Redis runs atomically. All of one gateway key's
 * Redis keys share a hash tag, so the scripts also run on Redis Cluster.
 */
export class RedisCounters implements LimitCounters {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #budgetRetentionMs: number;

  private constructor(redis: Redis, options: RedisCountersOptions) {
    this.#redis = redis;
    this.#prefix = options.keyPrefix ?? "tensorwall:";
    this.#budgetRetentionMs = options.budgetRetentionMs ?? DEFAULT_BUDGET_RETENTION_MS;
  }

  /** Connects and checks the server answers, so a wrong REDIS_URL stops start-up. */
  static async open(url: string, options: RedisCountersOptions = {}): Promise<RedisCounters> {
    // Few retries per command: an admission should fail quickly rather than queue behind an outage.
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      redis.disconnect();
      throw error;
    }
    return new RedisCounters(redis, options);
  }

  async admit(input: AdmissionInput): Promise<AdmissionOutcome> {
    const keys = this.#keysFor(input.keyId, input.budget?.periodStartMs);
    const budget = input.budget;
    const reply = (await this.#run(ADMIT, [keys.requests, keys.tokens, keys.tokenAmounts, keys.budget, keys.reservations], [
      input.nowMs,
      input.requestId,
      RATE_WINDOW_MS,
      input.requestsPerMinute ?? 0,
      input.tokens?.perMinute ?? 0,
      input.tokens?.estimate ?? 0,
      budget === undefined ? -1 : budget.limitNanoUsd.toString(),
      budget === undefined ? 0 : budget.estimateNanoUsd.toString(),
      budget?.reservationExpiresAtMs ?? 0,
      budget === undefined ? 0 : this.#budgetTtlMs(budget.periodStartMs, budget.periodEndMs),
    ])) as ScriptReply;
    const [outcome, retryAfterMs, requestCount, oldestRequestMs, tokenSum, oldestTokenMs, spent, reserved] = reply;
    const windows = {
      ...(input.requestsPerMinute !== undefined && {
        requests: windowState(input.requestsPerMinute, requestCount, oldestRequestMs, input.nowMs),
      }),
      ...(input.tokens !== undefined && {
        tokens: windowState(input.tokens.perMinute, tokenSum, oldestTokenMs, input.nowMs),
      }),
    };
    switch (outcome) {
      case "admitted":
        return { kind: "admitted", ...windows };
      case "limited_requests":
      case "limited_tokens":
        return {
          kind: "rate_limited",
          limit: outcome === "limited_requests" ? "requests" : "tokens",
          retryAfterMs: retryAfterMs < 0 ? undefined : retryAfterMs,
          ...windows,
        };
      case "over_budget":
        return { kind: "over_budget", spentNanoUsd: BigInt(spent), reservedNanoUsd: BigInt(reserved) };
      case "budget_unseeded":
        return { kind: "budget_unseeded" };
      default:
        throw new Error(`The Redis admission script answered '${outcome}'.`);
    }
  }

  async seedBudget(keyId: string, periodStartMs: number, periodEndMs: number, spentNanoUsd: bigint): Promise<void> {
    const keys = this.#keysFor(keyId, periodStartMs);
    await this.#run(SEED, [keys.budget], [spentNanoUsd.toString(), this.#budgetTtlMs(periodStartMs, periodEndMs)]);
  }

  async settle(input: SettleInput): Promise<void> {
    const keys = this.#keysFor(input.keyId, input.budget?.periodStartMs);
    await this.#run(SETTLE, [keys.tokenAmounts, keys.budget, keys.reservations], [
      input.requestId,
      input.tokens ?? -1,
      input.budget === undefined ? -1 : input.budget.costNanoUsd.toString(),
    ]);
  }

  async close(): Promise<void> {
    if (this.#redis.status === "end") return;
    await this.#redis.quit();
  }

  /**
   * How long a period's budget keys live from their last write: a whole period plus the retention.
   * Relative, so it holds whatever the gateway's clock says compared with Redis's.
   */
  #budgetTtlMs(periodStartMs: number, periodEndMs: number): number {
    return periodEndMs - periodStartMs + this.#budgetRetentionMs;
  }

  #keysFor(keyId: string, periodStartMs: number | undefined) {
    // The braces are a Redis Cluster hash tag: one gateway key's counters live in one slot.
    const base = `${this.#prefix}{${keyId}}`;
    const period = periodStartMs ?? 0;
    return {
      requests: `${base}:requests`,
      tokens: `${base}:tokens`,
      tokenAmounts: `${base}:tokens:amounts`,
      budget: `${base}:budget:${period}`,
      reservations: `${base}:budget:${period}:reservations`,
    };
  }

  async #run(script: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await this.#redis.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      // The script cache is empty after a Redis restart or failover; EVAL loads it again.
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return this.#redis.eval(script.source, keys.length, ...keys, ...args);
    }
  }
}

function windowState(limit: number, counted: number, oldestMs: number, nowMs: number): WindowState {
  return {
    limit,
    remaining: Math.max(0, limit - counted),
    resetMs: oldestMs < 0 ? 0 : oldestMs + RATE_WINDOW_MS - nowMs,
  };
}
