import { describe, expect, it } from "vitest";
import { combineReadinessChecks, READY, type ReadinessCheck } from "../../src/health/index.js";

const notReady =
  (reason: string): ReadinessCheck =>
  async () => ({ ready: false, reason });

describe("combineReadinessChecks", () => {
  it("is ready when every check is", async () => {
    const check = combineReadinessChecks({ a: async () => READY, b: async () => READY });
    expect(await check()).toEqual({ ready: true });
  });

  it("names every failing check with its reason, in the order given", async () => {
    const check = combineReadinessChecks({ server: notReady("shutting down"), store: async () => READY, pool: notReady("no deployment for gpt-4o") });
    expect(await check()).toEqual({ ready: false, reason: "server: shutting down; pool: no deployment for gpt-4o" });
  });

  it("counts a check that throws as not ready, and hands the error to onCheckError only", async () => {
    const errors: unknown[] = [];
    const boom = new Error("connect ECONNREFUSED 10.0.0.7:5432");
    const check = combineReadinessChecks(
      {
        store: () => {
          throw boom;
        },
      },
      { onCheckError: (error) => errors.push(error) },
    );
    expect(await check()).toEqual({ ready: false, reason: "store: check failed" });
    expect(errors).toEqual([boom]);
  });

  it("counts a check that does not answer in time as not ready", async () => {
    const check = combineReadinessChecks({ store: () => new Promise(() => {}) }, { checkTimeoutMs: 5 });
    expect(await check()).toEqual({ ready: false, reason: "store: no answer within 5 ms" });
  });
});
