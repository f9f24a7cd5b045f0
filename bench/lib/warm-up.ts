import type { LoadResult } from "./leg-result.js";

export interface WarmUpLimits {
  /** Load sent in any case, in one go. */
  readonly minMs: number;
  /** Load sent at most, whether or not the process has settled. */
  readonly maxMs: number;
  /** Length of each round after the first. */
  readonly roundMs: number;
}

export interface WarmUp {
  readonly elapsedMs: number;
  /** Failed requests over all rounds. */
  readonly errors: number;
  /** CPU the serving process spent per successful request in each round, in µs; empty without one. */
  readonly cpuMicrosPerOk: readonly number[];
}

/** A round whose CPU per request is within this factor of the round before has stopped falling. */
const STEADY = 0.95;
/** Rounds in a row that must not fall before the process counts as settled. */
const STEADY_ROUNDS = 2;

/**
 * Loads a path until the process serving it has settled: first `minMs` of load, then rounds of
 * `roundMs` until the process's CPU per request has stopped falling for two rounds in a row, or
 * until `maxMs`. The gateway holds far more code than the bare proxy, and V8 goes on compiling it
 * on its helper threads for 10–15 s of load at 64 concurrent: a fresh gateway spent 513, 289, 267,
 * 203 and then 194–198 µs of CPU per REST request in successive 4-second windows, the proxy 170
 * and then 118–129. A leg measured before that would charge the JIT's warm-up, paid once in a
 * gateway's life, to every request. Without `cpuMicros` (nothing in the middle to watch), only
 * `minMs` is sent.
 */
export async function warmUp(
  load: (durationMs: number) => Promise<LoadResult>,
  cpuMicros: (() => Promise<number>) | undefined,
  limits: WarmUpLimits,
): Promise<WarmUp> {
  const perRequest: number[] = [];
  let elapsedMs = 0;
  let errors = 0;
  const round = async (durationMs: number): Promise<void> => {
    const before = await cpuMicros?.();
    const result = await load(durationMs);
    const after = await cpuMicros?.();
    elapsedMs += durationMs;
    errors += result.errors;
    if (before !== undefined && after !== undefined) perRequest.push((after - before) / Math.max(1, result.ok));
  };
  await round(limits.minMs);
  if (cpuMicros === undefined) return { elapsedMs, errors, cpuMicrosPerOk: perRequest };
  let steadyRounds = 0;
  while (steadyRounds < STEADY_ROUNDS && elapsedMs + limits.roundMs <= limits.maxMs) {
    await round(limits.roundMs);
    const latest = perRequest.at(-1)!;
    const previous = perRequest.at(-2)!;
    steadyRounds = latest >= previous * STEADY ? steadyRounds + 1 : 0;
  }
  return { elapsedMs, errors, cpuMicrosPerOk: perRequest };
}
