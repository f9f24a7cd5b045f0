import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  InProcessCounters,
  RATE_WINDOW_MS,
  RedisCounters,
  type AdmissionInput,
  type BudgetAdmission,
  type LimitCounters,
} from "../../src/store/index.js";
import { createTestRedis, TEST_REDIS_URL, type TestRedis } from "./test-services.js";

const T0 = 1_750_000_000_000;
const DAY = 86_400_000;

interface Implementation {
  readonly name: string;
  open(): Promise<{ counters: LimitCounters; cleanUp: () => Promise<void> }>;
}

const implementations: Implementation[] = [
  {
    name: "InProcessCounters",
    async open() {
      const counters = new InProcessCounters();
      return { counters, cleanUp: () => counters.close() };
    },
  },
  {
    name: "RedisCounters",
    async open() {
      const test: TestRedis = await createTestRedis();
      const counters = await RedisCounters.open(TEST_REDIS_URL, { keyPrefix: test.prefix });
      return {
        counters,
        async cleanUp() {
          await counters.close();
          await test.cleanUp();
        },
      };
    },
  },
];

let nextRequest = 0;
function request(overrides: Partial<AdmissionInput> = {}): AdmissionInput {
  nextRequest += 1;
  return { keyId: "key_a", requestId: `req_${nextRequest}`, nowMs: T0, ...overrides };
}

function budget(overrides: Partial<BudgetAdmission> = {}): BudgetAdmission {
  return {
    limitNanoUsd: 1_000n,
    estimateNanoUsd: 100n,
    periodStartMs: T0,
    periodEndMs: T0 + DAY,
    reservationExpiresAtMs: T0 + 60_000,
    ...overrides,
  };
}

describe.each(implementations)("$name", (implementation) => {
  let counters: LimitCounters;
  let cleanUp: () => Promise<void>;

  beforeEach(async () => {
    ({ counters, cleanUp } = await implementation.open());
  });
  afterEach(async () => {
    await cleanUp();
  });

  describe("requests per minute", () => {
    it("admits up to the limit within a rolling minute, then refuses until the oldest leaves", async () => {
      for (let i = 0; i < 3; i += 1) {
        const outcome = await counters.admit(request({ nowMs: T0 + i * 1000, requestsPerMinute: 3 }));
        expect(outcome).toMatchObject({ kind: "admitted", requests: { limit: 3, remaining: 2 - i, resetMs: RATE_WINDOW_MS - i * 1000 } });
      }
      const refused = await counters.admit(request({ nowMs: T0 + 10_000, requestsPerMinute: 3 }));
      expect(refused).toEqual({
        kind: "rate_limited",
        limit: "requests",
        retryAfterMs: RATE_WINDOW_MS - 10_000,
        requests: { limit: 3, remaining: 0, resetMs: RATE_WINDOW_MS - 10_000 },
      });
      // One millisecond early the oldest still counts; at 60 s it has left.
      expect((await counters.admit(request({ nowMs: T0 + RATE_WINDOW_MS - 1, requestsPerMinute: 3 }))).kind).toBe("rate_limited");
      expect((await counters.admit(request({ nowMs: T0 + RATE_WINDOW_MS, requestsPerMinute: 3 }))).kind).toBe("admitted");
    });

    it("counts each key on its own", async () => {
      await counters.admit(request({ requestsPerMinute: 1 }));
      expect((await counters.admit(request({ keyId: "key_b", requestsPerMinute: 1 }))).kind).toBe("admitted");
      expect((await counters.admit(request({ requestsPerMinute: 1 }))).kind).toBe("rate_limited");
    });

    it("admits exactly the limit out of many concurrent requests", async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) => counters.admit(request({ nowMs: T0 + i, requestsPerMinute: 20 }))),
      );
      expect(outcomes.filter((o) => o.kind === "admitted")).toHaveLength(20);
    });
  });

  describe("tokens per minute", () => {
    it("counts estimates, and settling replaces an estimate with the real tokens", async () => {
      const first = request({ tokens: { perMinute: 1000, estimate: 600 } });
      expect(await counters.admit(first)).toMatchObject({ kind: "admitted", tokens: { limit: 1000, remaining: 400 } });
      expect(await counters.admit(request({ nowMs: T0 + 1, tokens: { perMinute: 1000, estimate: 500 } }))).toMatchObject({
        kind: "rate_limited",
        limit: "tokens",
        retryAfterMs: RATE_WINDOW_MS - 1,
        tokens: { remaining: 400 },
      });
      await counters.settle({ keyId: "key_a", requestId: first.requestId, tokens: 100 });
      expect(await counters.admit(request({ nowMs: T0 + 2, tokens: { perMinute: 1000, estimate: 500 } }))).toMatchObject({
        kind: "admitted",
        tokens: { remaining: 400 },
      });
    });

    it("names the time enough tokens leave the window, not only the oldest entry", async () => {
      await counters.admit(request({ nowMs: T0, tokens: { perMinute: 1000, estimate: 300 } }));
      await counters.admit(request({ nowMs: T0 + 5_000, tokens: { perMinute: 1000, estimate: 300 } }));
      await counters.admit(request({ nowMs: T0 + 9_000, tokens: { perMinute: 1000, estimate: 300 } }));
      const outcome = await counters.admit(request({ nowMs: T0 + 10_000, tokens: { perMinute: 1000, estimate: 650 } }));
      // 100 are free; the first two entries must leave for 650 to fit. The second leaves at T0 + 65 s.
      expect(outcome).toMatchObject({ kind: "rate_limited", retryAfterMs: 55_000 });
    });

    it("gives no retry time to a request that alone exceeds the limit", async () => {
      expect(await counters.admit(request({ tokens: { perMinute: 1000, estimate: 1001 } }))).toMatchObject({
        kind: "rate_limited",
        limit: "tokens",
        retryAfterMs: undefined,
      });
    });

    it("does not count a request refused for tokens against requests per minute", async () => {
      await counters.admit(request({ requestsPerMinute: 2, tokens: { perMinute: 100, estimate: 100 } }));
      await counters.admit(request({ requestsPerMinute: 2, tokens: { perMinute: 100, estimate: 100 } }));
      expect((await counters.admit(request({ requestsPerMinute: 2, tokens: { perMinute: 100, estimate: 0 } }))).kind).toBe("admitted");
    });

    it("ignores a settlement for an entry that already left the window", async () => {
      const old = request({ tokens: { perMinute: 1000, estimate: 100 } });
      await counters.admit(old);
      await counters.admit(request({ nowMs: T0 + RATE_WINDOW_MS + 1, tokens: { perMinute: 1000, estimate: 100 } }));
      await counters.settle({ keyId: "key_a", requestId: old.requestId, tokens: 900 });
      expect(await counters.admit(request({ nowMs: T0 + RATE_WINDOW_MS + 2, tokens: { perMinute: 1000, estimate: 800 } }))).toMatchObject({
        kind: "admitted",
        tokens: { remaining: 100 },
      });
    });
  });

  describe("budgets", () => {
    it("asks for the period's spending first, and a second seed does not overwrite the first", async () => {
      expect(await counters.admit(request({ budget: budget() }))).toEqual({ kind: "budget_unseeded" });
      await counters.seedBudget("key_a", T0, T0 + DAY, 850n);
      await counters.seedBudget("key_a", T0, T0 + DAY, 0n);
      expect((await counters.admit(request({ budget: budget({ estimateNanoUsd: 150n }) }))).kind).toBe("admitted");
      expect(await counters.admit(request({ budget: budget({ estimateNanoUsd: 1n }) }))).toEqual({
        kind: "over_budget",
        spentNanoUsd: 850n,
        reservedNanoUsd: 150n,
      });
    });

    it("settles a reservation into its real cost", async () => {
      await counters.seedBudget("key_a", T0, T0 + DAY, 0n);
      const reserved = request({ budget: budget({ estimateNanoUsd: 900n }) });
      expect((await counters.admit(reserved)).kind).toBe("admitted");
      expect((await counters.admit(request({ budget: budget({ estimateNanoUsd: 200n }) }))).kind).toBe("over_budget");
      await counters.settle({ keyId: "key_a", requestId: reserved.requestId, budget: { periodStartMs: T0, costNanoUsd: 300n } });
      expect((await counters.admit(request({ budget: budget({ estimateNanoUsd: 700n }) }))).kind).toBe("admitted");
      expect(await counters.admit(request({ budget: budget({ estimateNanoUsd: 1n }) }))).toEqual({
        kind: "over_budget",
        spentNanoUsd: 300n,
        reservedNanoUsd: 700n,
      });
    });

    it("gives up the reservation of a request that never settles once it expires", async () => {
      await counters.seedBudget("key_a", T0, T0 + DAY, 0n);
      await counters.admit(request({ budget: budget({ estimateNanoUsd: 1000n, reservationExpiresAtMs: T0 + 5_000 }) }));
      expect((await counters.admit(request({ nowMs: T0 + 4_999, budget: budget({ estimateNanoUsd: 1n }) }))).kind).toBe("over_budget");
      expect((await counters.admit(request({ nowMs: T0 + 5_000, budget: budget({ estimateNanoUsd: 1000n }) }))).kind).toBe("admitted");
    });

    it("starts each period from its own seed", async () => {
      await counters.seedBudget("key_a", T0, T0 + DAY, 1000n);
      expect((await counters.admit(request({ budget: budget({ estimateNanoUsd: 1n }) }))).kind).toBe("over_budget");
      const nextDay = budget({ periodStartMs: T0 + DAY, periodEndMs: T0 + 2 * DAY, estimateNanoUsd: 1n });
      expect(await counters.admit(request({ nowMs: T0 + DAY, budget: nextDay }))).toEqual({ kind: "budget_unseeded" });
      await counters.seedBudget("key_a", T0 + DAY, T0 + 2 * DAY, 0n);
      expect((await counters.admit(request({ nowMs: T0 + DAY, budget: nextDay }))).kind).toBe("admitted");
    });

    it("never reserves beyond the limit under 50 concurrent admissions", async () => {
      await counters.seedBudget("key_a", T0, T0 + DAY, 0n);
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, () => counters.admit(request({ budget: budget({ limitNanoUsd: 1_000n, estimateNanoUsd: 70n }) }))),
      );
      // 14 × 70 = 980 fits; a 15th would make 1 050.
      expect(outcomes.filter((o) => o.kind === "admitted")).toHaveLength(14);
    });

    it("refuses for budget before counting the request against its rate limits", async () => {
      await counters.seedBudget("key_a", T0, T0 + DAY, 1_000n);
      expect((await counters.admit(request({ requestsPerMinute: 1, budget: budget({ estimateNanoUsd: 1n }) }))).kind).toBe("over_budget");
      expect((await counters.admit(request({ requestsPerMinute: 1 }))).kind).toBe("admitted");
    });

    it("keeps amounts beyond 2^53 nano-dollars' neighbourhood exact up to the $1M cap", async () => {
      const limit = 1_000_000_000_000_000n;
      await counters.seedBudget("key_a", T0, T0 + DAY, limit - 3n);
      expect((await counters.admit(request({ budget: budget({ limitNanoUsd: limit, estimateNanoUsd: 3n }) }))).kind).toBe("admitted");
      expect(await counters.admit(request({ budget: budget({ limitNanoUsd: limit, estimateNanoUsd: 1n }) }))).toEqual({
        kind: "over_budget",
        spentNanoUsd: limit - 3n,
        reservedNanoUsd: 3n,
      });
    });
  });
});
