import { describe, expect, it } from "vitest";
import { DEFAULT_BREAKER_SETTINGS } from "../../src/config/index.js";
import { PooledDeployment, type DeploymentEvent } from "../../src/pool/pooled-deployment.js";
import { ManualClock } from "./seeded-random.js";

function deployment(clock: ManualClock, events: DeploymentEvent[] = []) {
  return new PooledDeployment(
    {
      endpoint: "eastus",
      region: "eastus",
      deployment: "gpt4o-ptu",
      model: "gpt-4o",
      target: { endpointUrl: "https://e.openai.azure.com", deployment: "gpt4o-ptu", apiVersion: "2024-10-21", auth: { kind: "api_key", apiKey: "k" } },
    },
    { ...DEFAULT_BREAKER_SETTINGS, consecutiveFailures: 2 },
    clock.now(),
    (event) => events.push(event),
  );
}

describe("PooledDeployment", () => {
  it("estimates time to first byte as an exponentially weighted average, starting from the first sample", () => {
    const clock = new ManualClock();
    const pooled = deployment(clock);
    expect(pooled.latencyEstimateMs).toBeUndefined();
    for (const latencyMs of [100, 200]) {
      const attempt = pooled.begin(clock.now())!;
      clock.advance(latencyMs);
      pooled.answered(attempt, clock.now());
      pooled.ended(attempt, "completed", clock.now());
    }
    expect(pooled.latencyEstimateMs).toBeCloseTo(130);
  });

  it("counts a stream in flight until it ends, and a stream that breaks as a failure the breaker hears of", () => {
    const clock = new ManualClock();
    const pooled = deployment(clock);
    const streams = [pooled.begin(clock.now())!, pooled.begin(clock.now())!];
    for (const stream of streams) pooled.answered(stream, clock.now());
    expect(pooled.inFlight).toBe(2);
    for (const stream of streams) pooled.ended(stream, "broken", clock.now());
    expect(pooled.snapshot(clock.now())).toMatchObject({ inFlight: 0, successCount: 0, failureCount: 2, circuit: "open" });
  });

  it("moves each attempt along once, whatever is called twice", () => {
    const clock = new ManualClock();
    const pooled = deployment(clock);
    const attempt = pooled.begin(clock.now())!;
    pooled.answered(attempt, clock.now());
    pooled.ended(attempt, "completed", clock.now());
    pooled.ended(attempt, "completed", clock.now());
    pooled.failed(attempt, { kind: "failed", retryAfterMs: undefined }, clock.now());
    expect(pooled.snapshot(clock.now())).toMatchObject({ inFlight: 0, successCount: 1, failureCount: 0 });
  });

  it("cools down for a 5xx that carries Retry-After, and for the latest 429 even when shorter", () => {
    const clock = new ManualClock();
    const events: DeploymentEvent[] = [];
    const pooled = deployment(clock, events);
    pooled.failed(pooled.begin(clock.now())!, { kind: "failed", retryAfterMs: 5000 }, clock.now());
    expect(pooled.availability(clock.now())).toEqual({ kind: "cooling_down", untilMs: clock.now() + 5000 });
    clock.advance(5000);
    pooled.failed(pooled.begin(clock.now())!, { kind: "rate_limited", retryAfterMs: 800 }, clock.now());
    expect(pooled.snapshot(clock.now()).cooldownUntilMs).toBe(clock.now() + 800);
    expect(events.filter((event) => event.type === "cooldown")).toHaveLength(2);
  });

  it("reports why it is unavailable: drained first, then an open circuit, then a cooldown", () => {
    const clock = new ManualClock();
    const pooled = deployment(clock);
    pooled.failed(pooled.begin(clock.now())!, { kind: "rate_limited", retryAfterMs: 100_000 }, clock.now());
    expect(pooled.availability(clock.now()).kind).toBe("cooling_down");
    expect(pooled.begin(clock.now())).toBeUndefined();
    pooled.reset(clock.now());
    for (let i = 0; i < 2; i++) pooled.failed(pooled.begin(clock.now())!, { kind: "misconfigured" }, clock.now());
    expect(pooled.availability(clock.now())).toEqual({ kind: "circuit_open", untilMs: clock.now() + DEFAULT_BREAKER_SETTINGS.resetTimeoutMs });
    pooled.setEnabled(false);
    expect(pooled.availability(clock.now())).toEqual({ kind: "drained" });
    pooled.setEnabled(true);
    pooled.reset(clock.now());
    expect(pooled.availability(clock.now())).toEqual({ kind: "available" });
  });
});
