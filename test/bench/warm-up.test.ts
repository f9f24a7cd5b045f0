import { describe, expect, it } from "vitest";
import type { LoadResult } from "../../bench/lib/leg-result.js";
import { warmUp, warmUpInTurns, type WarmedPath } from "../../bench/lib/warm-up.js";

/**
 * A process whose CPU per request follows `perRequest`, one value per round, under 100 requests a
 * round; `log` collects "<name> <duration>" for each round, in the order they ran.
 */
function simulated(perRequest: readonly number[], name = "p", log: string[] = []): WarmedPath & { cpuMicros: () => Promise<number>; rounds: number[] } {
  let spent = 0;
  const rounds: number[] = [];
  return {
    rounds,
    cpuMicros: async () => spent,
    load: async (durationMs) => {
      spent += 100 * perRequest[Math.min(rounds.length, perRequest.length - 1)]!;
      rounds.push(durationMs);
      log.push(`${name} ${durationMs}`);
      return { ok: 100, errors: 1 } as LoadResult;
    },
  };
}

describe("warmUp", () => {
  const limits = { minMs: 2_000, maxMs: 12_000, roundMs: 1_500 };

  it("goes on while the CPU per request falls, and stops after two rounds that do not", async () => {
    const process = simulated([600, 400, 300, 250, 248, 252, 150]);
    const warm = await warmUp(process, limits);
    expect(warm.cpuMicrosPerOk).toEqual([600, 400, 300, 250, 248, 252]);
    expect(process.rounds).toEqual([2_000, 1_500, 1_500, 1_500, 1_500, 1_500]);
    expect(warm.elapsedMs).toBe(9_500);
    expect(warm.errors).toBe(6);
  });

  it("starts counting again when a round falls by more than 5%", async () => {
    const process = simulated([300, 300, 200, 200, 200]);
    const warm = await warmUp(process, limits);
    expect(warm.cpuMicrosPerOk).toEqual([300, 300, 200, 200, 200]);
  });

  it("stops at the limit however the CPU moves", async () => {
    const process = simulated([1000, 900, 800, 700, 600, 500, 400, 300, 200]);
    const warm = await warmUp(process, limits);
    expect(warm.elapsedMs).toBe(11_000);
    expect(warm.cpuMicrosPerOk).toHaveLength(7);
  });

  it("sends only the minimum with no process to watch", async () => {
    const process = simulated([600, 400]);
    const warm = await warmUp({ load: process.load, cpuMicros: undefined }, limits);
    expect(process.rounds).toEqual([2_000]);
    expect(warm.cpuMicrosPerOk).toEqual([]);
  });

  it("warms paths in turns until each has settled, the settled one going on alongside the other", async () => {
    const log: string[] = [];
    const quick = simulated([300, 300, 300, 300, 300], "quick", log);
    const slow = simulated([600, 400, 300, 300, 300], "slow", log);
    const [quickWarm, slowWarm] = await warmUpInTurns([quick, slow], limits);
    expect(log).toEqual(["quick 2000", "slow 2000", ...Array(4).fill(["quick 1500", "slow 1500"]).flat()]);
    expect(quickWarm!.cpuMicrosPerOk).toEqual([300, 300, 300, 300, 300]);
    expect(slowWarm!.cpuMicrosPerOk).toEqual([600, 400, 300, 300, 300]);
    expect(slowWarm!.elapsedMs).toBe(8_000);
  });
});
