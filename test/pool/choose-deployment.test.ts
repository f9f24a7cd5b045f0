import { describe, expect, it } from "vitest";
import type { RoutingStrategy } from "../../src/config/index.js";
import { chooseDeployment, LEAST_LATENCY_EXPLORATION, type RoutingCandidate } from "../../src/pool/choose-deployment.js";
import { seededRandom } from "./seeded-random.js";

interface Named extends RoutingCandidate {
  readonly name: string;
}

function candidate(name: string, fields: Partial<RoutingCandidate> = {}): Named {
  return { name, order: 0, priority: 0, weight: 1, inFlight: 0, latencyMs: undefined, ...fields };
}

/** How often each candidate is chosen over `picks` choices, as shares of 1. */
function shares(strategy: RoutingStrategy, candidates: Named[], picks = 20_000, seed = 7): Record<string, number> {
  const random = seededRandom(seed);
  const counts: Record<string, number> = Object.fromEntries(candidates.map((c) => [c.name, 0]));
  for (let turn = 0; turn < picks; turn++) {
    const chosen = chooseDeployment(strategy, candidates, { random, turn });
    counts[chosen!.name]! += 1;
  }
  return Object.fromEntries(Object.entries(counts).map(([name, count]) => [name, count / picks]));
}

describe("chooseDeployment", () => {
  it("returns nothing when nothing is available", () => {
    expect(chooseDeployment("priority", [], { random: Math.random, turn: 0 })).toBeUndefined();
  });

  describe("priority", () => {
    it("sends everything to the lowest priority present, split by weight within the tier", () => {
      const result = shares("priority", [
        candidate("ptu-a", { priority: 0, weight: 3 }),
        candidate("ptu-b", { priority: 0, weight: 1 }),
        candidate("paygo", { priority: 1, weight: 100 }),
      ]);
      expect(result["paygo"]).toBe(0);
      expect(result["ptu-a"]).toBeCloseTo(0.75, 1);
      expect(result["ptu-b"]).toBeCloseTo(0.25, 1);
    });

    it("uses a lower tier only when nothing above it is available", () => {
      const result = shares("priority", [candidate("paygo-1", { priority: 1 }), candidate("paygo-2", { priority: 2 })]);
      expect(result).toEqual({ "paygo-1": 1, "paygo-2": 0 });
    });
  });

  it("round_robin takes each deployment in the route's order, in turn", () => {
    const candidates = [candidate("c", { order: 2 }), candidate("a", { order: 0 }), candidate("b", { order: 1 })];
    const picks = [0, 1, 2, 3, 4, 5].map((turn) => chooseDeployment("round_robin", candidates, { random: Math.random, turn })?.name);
    expect(picks).toEqual(["a", "b", "c", "a", "b", "c"]);
    expect(shares("round_robin", candidates, 3000)).toEqual({ a: 1 / 3, b: 1 / 3, c: 1 / 3 });
  });

  it("weighted splits traffic by weight, whatever the priorities", () => {
    const result = shares("weighted", [
      candidate("a", { weight: 1, priority: 0 }),
      candidate("b", { weight: 2, priority: 5 }),
      candidate("c", { weight: 7, priority: 9 }),
    ]);
    expect(result["a"]).toBeCloseTo(0.1, 1);
    expect(result["b"]).toBeCloseTo(0.2, 1);
    expect(result["c"]).toBeCloseTo(0.7, 1);
  });

  it("least_busy picks the deployment with the fewest requests in flight, ties by weight", () => {
    const result = shares("least_busy", [
      candidate("busy", { inFlight: 4 }),
      candidate("idle-1", { inFlight: 1, weight: 1 }),
      candidate("idle-2", { inFlight: 1, weight: 1 }),
    ]);
    expect(result["busy"]).toBe(0);
    expect(result["idle-1"]).toBeCloseTo(0.5, 1);
    expect(result["idle-2"]).toBeCloseTo(0.5, 1);
  });

  describe("least_latency", () => {
    it("probes deployments without a latency sample before trusting any estimate", () => {
      const result = shares("least_latency", [
        candidate("fast", { latencyMs: 50 }),
        candidate("new-1"),
        candidate("new-2"),
      ]);
      expect(result["fast"]).toBe(0);
      expect(result["new-1"]).toBeCloseTo(0.5, 1);
    });

    it("sends most traffic to the fastest and explores the others with a small share", () => {
      const result = shares("least_latency", [
        candidate("fast", { latencyMs: 80 }),
        candidate("slow", { latencyMs: 400 }),
        candidate("slower", { latencyMs: 900 }),
      ]);
      // Exploration spreads LEAST_LATENCY_EXPLORATION evenly (equal weights), the fastest included.
      const explored = LEAST_LATENCY_EXPLORATION / 3;
      expect(result["fast"]).toBeCloseTo(1 - LEAST_LATENCY_EXPLORATION + explored, 2);
      expect(result["slow"]).toBeCloseTo(explored, 2);
      expect(result["slower"]).toBeCloseTo(explored, 2);
    });
  });
});
