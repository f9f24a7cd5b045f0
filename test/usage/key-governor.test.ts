import { beforeEach, describe, expect, it } from "vitest";
import type { Principal } from "../../src/keys/index.js";
import { InProcessCounters, type KeyLimits, type LimitCounters } from "../../src/store/index.js";
import { KeyGovernor, type AdmissionDecision, type RequestEstimate } from "../../src/usage/index.js";

const DAY_END = Date.parse("2025-06-16T23:59:59.999Z");

function principal(limits: KeyLimits, keyId = "key_a"): Principal {
  return { keyId, name: "t", role: "client", allowedModels: [], limits };
}

const cheap: () => RequestEstimate = () => ({ tokens: 100, costNanoUsd: 1_000n });

function rejection(decision: AdmissionDecision) {
  if (decision.admitted) throw new Error("expected a refusal");
  return decision;
}

describe("KeyGovernor", () => {
  let nowMs: number;
  let counters: LimitCounters;
  let counterCalls: number;
  let spent: Map<string, bigint>;
  let spentQueries: [string, number, number][];
  let errors: unknown[];
  let governor: KeyGovernor;
  let nextId: number;
  const id = () => `req_${(nextId += 1)}`;

  beforeEach(() => {
    nowMs = Date.parse("2025-06-16T12:00:00Z");
    const inner = new InProcessCounters();
    counterCalls = 0;
    counters = new Proxy(inner, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          counterCalls += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    spent = new Map();
    spentQueries = [];
    errors = [];
    nextId = 0;
    governor = new KeyGovernor({
      counters,
      spentBetween: async (keyId, startMs, endMs) => {
        spentQueries.push([keyId, startMs, endMs]);
        return spent.get(keyId) ?? 0n;
      },
      clock: () => nowMs,
      onError: (error) => errors.push(error),
    });
  });

  it("admits a key without limits without touching the counters or estimating", async () => {
    let estimated = false;
    const decision = await governor.admit(principal({}), id(), () => {
      estimated = true;
      return cheap();
    });
    expect(decision).toMatchObject({ admitted: true, headers: [] });
    if (decision.admitted) governor.settle(decision.admission, { tokens: 5, costNanoUsd: 5n });
    expect(counterCalls).toBe(0);
    expect(estimated).toBe(false);
  });

  it("answers rate_limit_exceeded with Retry-After and OpenAI's headers once requests per minute are used", async () => {
    const key = principal({ requestsPerMinute: 2 });
    expect(await governor.admit(key, id(), cheap)).toMatchObject({
      admitted: true,
      headers: [
        ["x-ratelimit-limit-requests", "2"],
        ["x-ratelimit-remaining-requests", "1"],
        ["x-ratelimit-reset-requests", "1m0s"],
      ],
    });
    nowMs += 15_000;
    await governor.admit(key, id(), cheap);
    nowMs += 15_000;
    const refused = rejection(await governor.admit(key, id(), cheap));
    expect(refused.error).toMatchObject({ code: "rate_limit_exceeded", retryAfterMs: 30_000 });
    expect(refused.error.message).toMatch(/2 requests per minute/);
    expect(refused.headers).toEqual([
      ["x-ratelimit-limit-requests", "2"],
      ["x-ratelimit-remaining-requests", "0"],
      ["x-ratelimit-reset-requests", "30s"],
    ]);
  });

  it("tells a caller whose request alone exceeds tokens per minute not to retry", async () => {
    const refused = rejection(await governor.admit(principal({ tokensPerMinute: 50 }), id(), cheap));
    expect(refused.error.code).toBe("rate_limit_exceeded");
    expect(refused.error.retryAfterMs).toBeUndefined();
    expect(refused.error.message).toMatch(/estimated at 100 tokens/);
    expect(refused.headers).toContainEqual(["x-should-retry", "false"]);
  });

  it("reconciles the token estimate with the real usage when the request settles", async () => {
    const key = principal({ tokensPerMinute: 150 });
    const first = await governor.admit(key, id(), cheap);
    expect(rejection(await governor.admit(key, id(), cheap)).error.code).toBe("rate_limit_exceeded");
    if (!first.admitted) throw new Error("expected admission");
    governor.settle(first.admission, { tokens: 20, costNanoUsd: 0n });
    await governor.drain();
    expect(await governor.admit(key, id(), cheap)).toMatchObject({ admitted: true, headers: expect.arrayContaining([["x-ratelimit-remaining-tokens", "30"]]) });
  });

  it("refuses a budgeted key when no price is known for a deployment that could serve it", async () => {
    const budgeted = principal({ budget: { limitNanoUsd: 1_000_000n, period: "day" } });
    const refused = rejection(await governor.admit(budgeted, id(), () => ({ tokens: 1, costNanoUsd: undefined })));
    expect(refused.error).toMatchObject({ code: "permission_denied", param: "model" });
    expect(await governor.admit(principal({ requestsPerMinute: 5 }), id(), () => ({ tokens: 1, costNanoUsd: undefined }))).toMatchObject({ admitted: true });
  });

  it("starts a period from what the ledger says the key spent, and answers insufficient_quota when spent", async () => {
    spent.set("key_a", 9_500n);
    const budgeted = principal({ budget: { limitNanoUsd: 10_000n, period: "day" } });
    expect((await governor.admit(budgeted, id(), () => ({ tokens: 1, costNanoUsd: 500n }))).admitted).toBe(true);
    const refused = rejection(await governor.admit(budgeted, id(), () => ({ tokens: 1, costNanoUsd: 1n })));
    expect(refused.error.code).toBe("insufficient_quota");
    expect(refused.error.message).toMatch(/\$0\.00001 per day is spent \(\$0\.0000095 spent, \$0\.0000005 reserved/);
    expect(refused.error.message).toMatch(/renews at 2025-06-17T00:00:00\.000Z/);
    expect(refused.headers).toEqual([["x-should-retry", "false"]]);
    expect(spentQueries).toEqual([["key_a", Date.parse("2025-06-16T00:00:00Z"), Date.parse("2025-06-17T00:00:00Z")]]);
  });

  it("rolls a daily budget over at midnight UTC by itself", async () => {
    const budgeted = principal({ budget: { limitNanoUsd: 1_000n, period: "day" } });
    const spend = () => governor.admit(budgeted, id(), () => ({ tokens: 1, costNanoUsd: 1_000n }));
    const first = await spend();
    if (!first.admitted) throw new Error("expected admission");
    governor.settle(first.admission, { tokens: 1, costNanoUsd: 1_000n });
    await governor.drain();
    nowMs = DAY_END;
    expect(rejection(await spend()).error.code).toBe("insufficient_quota");
    nowMs = DAY_END + 1;
    expect((await spend()).admitted).toBe(true);
    expect(spentQueries.map(([, startMs]) => new Date(startMs).toISOString())).toEqual([
      "2025-06-16T00:00:00.000Z",
      "2025-06-17T00:00:00.000Z",
    ]);
  });

  it("rolls a monthly budget over on the first of the month", async () => {
    nowMs = Date.parse("2025-06-30T23:00:00Z");
    const budgeted = principal({ budget: { limitNanoUsd: 1_000n, period: "month" } });
    expect((await governor.admit(budgeted, id(), () => ({ tokens: 1, costNanoUsd: 1_000n }))).admitted).toBe(true);
    expect(rejection(await governor.admit(budgeted, id(), () => ({ tokens: 1, costNanoUsd: 1n }))).error.code).toBe("insufficient_quota");
    nowMs = Date.parse("2025-07-01T00:00:00Z");
    expect((await governor.admit(budgeted, id(), () => ({ tokens: 1, costNanoUsd: 1_000n }))).admitted).toBe(true);
  });

  it("reports a failed settlement instead of throwing it at the request", async () => {
    const failing = new KeyGovernor({
      counters: {
        admit: (input) => counters.admit(input),
        seedBudget: async () => {},
        settle: () => Promise.reject(new Error("redis down")),
        close: async () => {},
      },
      spentBetween: async () => 0n,
      clock: () => nowMs,
      onError: (error) => errors.push(error),
    });
    const decision = await failing.admit(principal({ tokensPerMinute: 1_000 }), id(), cheap);
    if (!decision.admitted) throw new Error("expected admission");
    expect(() => failing.settle(decision.admission, { tokens: 1, costNanoUsd: 0n })).not.toThrow();
    await failing.drain();
    expect(errors).toEqual([new Error("redis down")]);
  });
});
