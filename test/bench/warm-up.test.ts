import { describe, expect, it } from "vitest";
import type { LoadResult } from "../../bench/lib/leg-result.js";
import { warmUp } from "../../bench/lib/warm-up.js";

/** A process whose CPU per request follows `perRequest`, one value per round, under 100 requests a round. */
function simulated(perRequest: readonly number[]): { load: (durationMs: number) => Promise<LoadResult>; cpuMicros: () => Promise<number>; rounds: number[] } {
  let spent = 0;
  const rounds: number[] = [];
  return {
    rounds,
    cpuMicros: async () => spent,
    load: async (durationMs) => {
      spent += 100 * perRequest[Math.min(rounds.length, perRequest.length - 1)]!;
      rounds.push(durationMs);
      return { ok: 100, errors: 1 } as LoadResult;
    },
  };
}

describe("warmUp", () => {
  const limits = { minMs: 2_000, maxMs: 12_000, roundMs: 1_500 };

  it("goes on while the CPU per request falls, and stops after two rounds that do not", async () => {
    const process = simulated([600, 400, 300, 250, 248, 252, 150]);
    const warm = await warmUp(process.load, process.cpuMicros, limits);
    expect(warm.cpuMicrosPerOk).toEqual([600, 400, 300, 250, 248, 252]);
    expect(process.rounds).toEqual([2_000, 1_500, 1_500, 1_500, 1_500, 1_500]);
    expect(warm.elapsedMs).toBe(9_500);
    expect(warm.errors).toBe(6);
  });

  it("starts counting again when a round falls by more than 5%", async () => {
    const process = simulated([300, 300, 200, 200, 200]);
    const warm = await warmUp(process.load, process.cpuMicros, limits);
    expect(warm.cpuMicrosPerOk).toEqual([300, 300, 200, 200, 200]);
  });

  it("stops at the limit however the CPU moves", async () => {
    const process = simulated([1000, 900, 800, 700, 600, 500, 400, 300, 200]);
    const warm = await warmUp(process.load, process.cpuMicros, limits);
    expect(warm.elapsedMs).toBe(11_000);
    expect(warm.cpuMicrosPerOk).toHaveLength(7);
  });

  it("sends only the minimum with no process to watch", async () => {
    const process = simulated([600, 400]);
    const warm = await warmUp(process.load, undefined, limits);
    expect(process.rounds).toEqual([2_000]);
    expect(warm.cpuMicrosPerOk).toEqual([]);
  });
});
