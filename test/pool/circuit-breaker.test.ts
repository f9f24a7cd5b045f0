import { describe, expect, it } from "vitest";
import { DEFAULT_BREAKER_SETTINGS, type BreakerSettings } from "../../src/config/index.js";
import { CircuitBreaker, type CircuitTransition } from "../../src/pool/circuit-breaker.js";
import { ManualClock } from "./seeded-random.js";

const settings: BreakerSettings = {
  ...DEFAULT_BREAKER_SETTINGS,
  consecutiveFailures: 3,
  failureRatePercent: 50,
  minimumRequests: 6,
  windowMs: 10_000,
  resetTimeoutMs: 30_000,
  halfOpenProbes: 1,
};

function breaker(overrides: Partial<BreakerSettings> = {}) {
  const clock = new ManualClock();
  const transitions: CircuitTransition[] = [];
  const circuit = new CircuitBreaker({ ...settings, ...overrides }, clock.now(), (t) => transitions.push(t));
  const run = (outcome: "success" | "failure" | "neutral"): void => {
    const permit = circuit.acquire(clock.now());
    if (permit === undefined) throw new Error("the circuit refused the request");
    circuit.settle(permit, outcome, clock.now());
  };
  return { clock, circuit, transitions, run };
}

describe("CircuitBreaker", () => {
  it("opens after a run of consecutive failures and refuses requests", () => {
    const { clock, circuit, transitions, run } = breaker();
    run("failure");
    run("failure");
    expect(circuit.view(clock.now()).kind).toBe("closed");
    run("failure");
    expect(circuit.view(clock.now())).toEqual({ kind: "open", halfOpenAtMs: clock.now() + 30_000 });
    expect(circuit.acquire(clock.now())).toBeUndefined();
    expect(transitions).toEqual([{ to: "open", reason: "consecutive_failures", atMs: clock.now() }]);
  });

  it("a success breaks the run of failures", () => {
    const { clock, circuit, run } = breaker();
    run("failure");
    run("failure");
    run("success");
    run("failure");
    run("failure");
    expect(circuit.view(clock.now()).kind).toBe("closed");
  });

  it("a run of failures spread over more than the window does not open it", () => {
    const { clock, circuit, run } = breaker({ minimumRequests: 100 });
    run("failure");
    clock.advance(6_000);
    run("failure");
    clock.advance(6_000);
    run("failure");
    expect(circuit.view(clock.now()).kind).toBe("closed");
  });

  it("opens on the failure rate once the window holds the minimum number of requests", () => {
    const { clock, circuit, transitions, run } = breaker({ consecutiveFailures: 100 });
    for (const outcome of ["success", "failure", "success", "failure", "success"] as const) run(outcome);
    expect(circuit.view(clock.now()).kind).toBe("closed");
    run("failure"); // 3 of 6 failed: 50%
    expect(circuit.view(clock.now()).kind).toBe("open");
    expect(transitions.map((t) => t.to === "open" && t.reason)).toEqual(["failure_rate"]);
  });

  it("forgets failures once they leave the rolling window", () => {
    const { clock, circuit, run } = breaker({ consecutiveFailures: 100 });
    for (let i = 0; i < 5; i++) run("failure");
    clock.advance(11_000);
    for (let i = 0; i < 5; i++) run("success");
    run("failure"); // 1 of the 6 in the window failed
    expect(circuit.view(clock.now()).kind).toBe("closed");
  });

  it("never counts neutral outcomes (caller errors, cancellations)", () => {
    const { clock, circuit, run } = breaker({ consecutiveFailures: 2 });
    run("failure");
    for (let i = 0; i < 20; i++) run("neutral");
    expect(circuit.view(clock.now()).kind).toBe("closed");
    run("failure");
    expect(circuit.view(clock.now()).kind).toBe("open");
  });

  it("reads as half-open once the reset timeout passed, without reading changing anything", () => {
    const { clock, circuit, transitions, run } = breaker();
    for (let i = 0; i < 3; i++) run("failure");
    clock.advance(29_999);
    expect(circuit.admits(clock.now())).toBe(false);
    clock.advance(1);
    expect(circuit.view(clock.now())).toEqual({ kind: "half_open", probesInFlight: 0, probesAllowed: 1 });
    expect(circuit.view(clock.now())).toEqual({ kind: "half_open", probesInFlight: 0, probesAllowed: 1 });
    // Only taking a permit moves the state; the event comes then, once.
    expect(transitions.map((t) => t.to)).toEqual(["open"]);
    circuit.acquire(clock.now());
    expect(transitions.map((t) => t.to)).toEqual(["open", "half_open"]);
  });

  it("half-open lets one probe through and closes when it succeeds", () => {
    const { clock, circuit, transitions, run } = breaker();
    for (let i = 0; i < 3; i++) run("failure");
    clock.advance(30_000);
    const probe = circuit.acquire(clock.now());
    expect(probe?.probe).toBe(true);
    expect(circuit.acquire(clock.now())).toBeUndefined();
    circuit.settle(probe!, "success", clock.now());
    expect(circuit.view(clock.now()).kind).toBe("closed");
    expect(transitions.map((t) => t.to)).toEqual(["open", "half_open", "closed"]);
    // A fresh window: the failures before it opened no longer count.
    run("failure");
    run("failure");
    expect(circuit.view(clock.now()).kind).toBe("closed");
  });

  it("half-open opens again for another reset timeout when a probe fails", () => {
    const { clock, circuit, transitions, run } = breaker();
    for (let i = 0; i < 3; i++) run("failure");
    clock.advance(30_000);
    run("failure");
    expect(circuit.view(clock.now())).toEqual({ kind: "open", halfOpenAtMs: clock.now() + 30_000 });
    expect(transitions.map((t) => (t.to === "open" ? `open:${t.reason}` : t.to))).toEqual([
      "open:consecutive_failures",
      "half_open",
      "open:probe_failed",
    ]);
  });

  it("concurrent requests never take more half-open probes than allowed", () => {
    const { clock, circuit, run } = breaker({ halfOpenProbes: 2 });
    for (let i = 0; i < 3; i++) run("failure");
    clock.advance(30_000);
    const permits = Array.from({ length: 10 }, () => circuit.acquire(clock.now()));
    expect(permits.filter((permit) => permit !== undefined)).toHaveLength(2);
    // A probe that proves nothing (the caller left) frees its slot for another.
    circuit.settle(permits[0]!, "neutral", clock.now());
    expect(circuit.view(clock.now())).toEqual({ kind: "half_open", probesInFlight: 1, probesAllowed: 2 });
    expect(circuit.acquire(clock.now())).toBeDefined();
    expect(circuit.acquire(clock.now())).toBeUndefined();
  });

  it("ignores outcomes of requests that began before the state changed", () => {
    const { clock, circuit, run } = breaker();
    const early = circuit.acquire(clock.now())!;
    for (let i = 0; i < 3; i++) run("failure");
    clock.advance(30_000);
    const probe = circuit.acquire(clock.now())!;
    // The slow request from the closed era succeeding says nothing about now.
    circuit.settle(early, "success", clock.now());
    expect(circuit.view(clock.now()).kind).toBe("half_open");
    circuit.settle(probe, "success", clock.now());
    expect(circuit.view(clock.now()).kind).toBe("closed");
  });

  it("reset closes an open circuit with one event, and is a no-op event-wise when closed", () => {
    const { clock, circuit, transitions, run } = breaker();
    for (let i = 0; i < 3; i++) run("failure");
    circuit.reset(clock.now());
    circuit.reset(clock.now());
    expect(circuit.view(clock.now()).kind).toBe("closed");
    expect(transitions.map((t) => (t.to === "closed" ? `closed:${t.reason}` : t.to))).toEqual(["open", "closed:reset"]);
  });

  it("a failure noted after the permit settled (a broken stream) counts while closed", () => {
    const { clock, circuit } = breaker({ consecutiveFailures: 2 });
    circuit.noteLateFailure(clock.now());
    circuit.noteLateFailure(clock.now());
    expect(circuit.view(clock.now()).kind).toBe("open");
  });
});
