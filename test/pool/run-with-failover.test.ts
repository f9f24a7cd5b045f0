import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors/index.js";
import { errors, failoverFixture } from "./failover-fixture.js";

const twoRegions = [
  { name: "eastus", priority: 0 },
  { name: "westeu", priority: 1 },
];

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected the request to fail");
}

describe("runWithFailover", () => {
  it("fails over to the next deployment at once when one fails, and says how many attempts it took", async () => {
    const pool = failoverFixture({ deployments: twoRegions });
    pool.script("eastus", errors.serverError());
    const result = await pool.request();
    expect(result.value).toBe("answer from westeu");
    expect(result.attempts).toBe(2);
    expect(pool.sleeps).toEqual([]);
    expect(pool.deployment("eastus").snapshot(pool.clock.now())).toMatchObject({ failureCount: 1, successCount: 0, inFlight: 0 });
    expect(pool.deployment("westeu").snapshot(pool.clock.now())).toMatchObject({ failureCount: 0, successCount: 1, inFlight: 0 });
  });

  it("goes back to the preferred tier on the next request while it is available", async () => {
    const pool = failoverFixture({ deployments: twoRegions });
    pool.script("eastus", errors.serverError());
    await pool.request();
    await pool.request();
    expect(pool.calls).toEqual(["eastus", "westeu", "eastus"]);
  });

  it("backs off with jitter only before trying the same deployment again", async () => {
    const pool = failoverFixture({ deployments: [{ name: "eastus" }] });
    pool.script("eastus", errors.serverError(), errors.serverError());
    const result = await pool.request();
    expect(result.attempts).toBe(3);
    expect(pool.sleeps).toHaveLength(2);
    expect(pool.sleeps[0]).toBeLessThanOrEqual(100);
    expect(pool.sleeps[1]).toBeLessThanOrEqual(200);
  });

  it("answers with the last deployment's error once attempts run out", async () => {
    const pool = failoverFixture({
      deployments: [{ name: "a" }, { name: "b" }, { name: "c" }],
      settings: { retry: { maxAttempts: 2, backoffBaseMs: 100, backoffMaxMs: 1000 } },
    });
    for (const name of ["a", "b", "c"]) pool.script(name, errors.serverError());
    const error = await rejection(pool.request());
    expect(error.code).toBe("upstream_error");
    expect(pool.calls).toHaveLength(2);
  });

  describe("429", () => {
    it("cools the deployment down for exactly Azure's retry-after, then tries it again", async () => {
      const pool = failoverFixture({ deployments: twoRegions });
      pool.script("eastus", errors.rateLimited(1500));
      expect((await pool.request()).value).toBe("answer from westeu");
      expect(pool.deployment("eastus").snapshot(pool.clock.now()).cooldownUntilMs).toBe(pool.clock.now() + 1500);

      pool.clock.advance(1499);
      await pool.request();
      pool.clock.advance(1);
      await pool.request();
      expect(pool.calls).toEqual(["eastus", "westeu", "westeu", "eastus"]);
      // A 429 is capacity, not breakage: the breaker never heard of it.
      expect(pool.deployment("eastus").snapshot(pool.clock.now()).circuit).toBe("closed");
    });

    it("waits for the first deployment to recover when that is within the deadline", async () => {
      const pool = failoverFixture({ deployments: twoRegions });
      pool.script("eastus", errors.rateLimited(2000));
      pool.script("westeu", errors.rateLimited(700));
      const result = await pool.request({ timeoutMs: 5000 });
      expect(pool.sleeps).toEqual([700]);
      expect(result.value).toBe("answer from westeu");
      expect(result.attempts).toBe(3);
    });

    it("answers upstream_rate_limited with the earliest recovery when it is past the deadline", async () => {
      const pool = failoverFixture({ deployments: twoRegions });
      pool.script("eastus", errors.rateLimited(5000));
      pool.script("westeu", errors.rateLimited(3000));
      const error = await rejection(pool.request({ timeoutMs: 1000 }));
      expect(error.code).toBe("upstream_rate_limited");
      expect(error.retryAfterMs).toBe(3000);
      expect(pool.sleeps).toEqual([]);

      // Later requests do not even try while everything cools down.
      pool.clock.advance(1000);
      const next = await rejection(pool.request({ timeoutMs: 1000 }));
      expect(next.retryAfterMs).toBe(2000);
      expect(pool.calls).toEqual(["eastus", "westeu"]);
    });

    it("passes Azure's own 429 on when attempts run out on the deployment that recovers first", async () => {
      const pool = failoverFixture({ deployments: [{ name: "eastus" }], settings: { retry: { maxAttempts: 1, backoffBaseMs: 0, backoffMaxMs: 0 } } });
      const azure429 = errors.rateLimited(1500);
      pool.script("eastus", azure429);
      expect(await rejection(pool.request())).toBe(azure429);
    });
  });

  it("takes a misconfigured deployment (401/403/404) out of the request without retrying it", async () => {
    const pool = failoverFixture({ deployments: twoRegions, settings: { retry: { maxAttempts: 5, backoffBaseMs: 10, backoffMaxMs: 10 } } });
    pool.script("eastus", errors.unauthorized());
    pool.script("westeu", errors.serverError());
    const result = await pool.request();
    expect(pool.calls).toEqual(["eastus", "westeu", "westeu"]);
    expect(result.attempts).toBe(3);
  });

  it("answers the misconfiguration once no other deployment is left", async () => {
    const pool = failoverFixture({ deployments: [{ name: "eastus" }] });
    pool.script("eastus", errors.unauthorized());
    expect((await rejection(pool.request())).code).toBe("upstream_auth_failed");
    expect(pool.calls).toEqual(["eastus"]);
  });

  it("answers a caller error (content filter) at once, without failing over or blaming the deployment", async () => {
    const pool = failoverFixture({ deployments: twoRegions, breaker: { consecutiveFailures: 1 } });
    pool.script("eastus", errors.contentFilter());
    expect((await rejection(pool.request())).code).toBe("content_filter");
    expect(pool.calls).toEqual(["eastus"]);
    expect(pool.deployment("eastus").snapshot(pool.clock.now())).toMatchObject({ circuit: "closed", failureCount: 0 });
  });

  it("a caller that goes away ends the request as canceled without blaming the deployment", async () => {
    const pool = failoverFixture({ deployments: twoRegions, breaker: { consecutiveFailures: 1 } });
    const caller = new AbortController();
    pool.script("eastus", (signal) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener("abort", () => reject(new GatewayError("request_canceled")));
        caller.abort();
      }),
    );
    expect((await rejection(pool.request({ signal: caller.signal }))).code).toBe("request_canceled");
    expect(pool.calls).toEqual(["eastus"]);
    expect(pool.deployment("eastus").snapshot(pool.clock.now())).toMatchObject({ circuit: "closed", inFlight: 0 });
  });

  it("skips a deployment whose circuit is open, and says when one reopens if all are", async () => {
    const pool = failoverFixture({ deployments: twoRegions, breaker: { consecutiveFailures: 1, resetTimeoutMs: 30_000 } });
    pool.script("eastus", errors.serverError());
    await pool.request();
    expect(pool.deployment("eastus").snapshot(pool.clock.now()).circuit).toBe("open");
    await pool.request();
    expect(pool.calls).toEqual(["eastus", "westeu", "westeu"]);

    pool.script("westeu", errors.serverError());
    const error = await rejection(pool.request());
    expect(error.code).toBe("upstream_error");
    pool.clock.advance(10_000);
    const unavailable = await rejection(pool.request());
    expect(unavailable.code).toBe("upstream_unavailable");
    expect(unavailable.retryAfterMs).toBe(20_000);
  });

  it("lets only the configured number of half-open probes through, however many requests arrive at once", async () => {
    const pool = failoverFixture({ deployments: twoRegions, breaker: { consecutiveFailures: 1, resetTimeoutMs: 1000, halfOpenProbes: 1 } });
    pool.script("eastus", errors.serverError());
    await pool.request();
    pool.clock.advance(1000);
    let releaseProbe = (): void => {};
    pool.script("eastus", () => new Promise((resolve) => (releaseProbe = () => resolve("probe answered"))));
    const requests = Array.from({ length: 8 }, () => pool.request());
    await new Promise((resolve) => setImmediate(resolve));
    expect(pool.deployment("eastus").snapshot(pool.clock.now())).toMatchObject({ circuit: "half_open", inFlight: 1 });
    releaseProbe();
    const results = await Promise.all(requests);
    expect(results.filter((result) => result.deployment === pool.deployment("eastus"))).toHaveLength(1);
    expect(pool.deployment("eastus").snapshot(pool.clock.now()).circuit).toBe("closed");
  });

  it("sends nothing to a drained deployment", async () => {
    const pool = failoverFixture({ deployments: twoRegions });
    pool.deployment("eastus").setEnabled(false);
    await pool.request();
    pool.deployment("eastus").setEnabled(true);
    await pool.request();
    expect(pool.calls).toEqual(["westeu", "eastus"]);
  });

  it("gives up with upstream_timeout when the deadline passes during an attempt", async () => {
    const pool = failoverFixture({ deployments: twoRegions });
    pool.script("eastus", (signal) =>
      new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(new GatewayError("request_canceled")))),
    );
    const error = await rejection(pool.request({ timeoutMs: 30 }));
    expect(error.code).toBe("upstream_timeout");
    expect(pool.calls).toEqual(["eastus"]);
    expect(pool.deployment("eastus").snapshot(pool.clock.now())).toMatchObject({ circuit: "closed", failureCount: 0, inFlight: 0 });
  });
});
