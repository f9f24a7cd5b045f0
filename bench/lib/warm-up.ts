import type { LoadResult } from "./leg-result.js";

export interface WarmUpLimits {
  /** Load sent in any case, in one go. */
  readonly minMs: number;
  /** Load sent at most, whether or not the process has settled. */
  readonly maxMs: number;
  /** Length of each round after the first. */
  readonly roundMs: number;
}

/** One path to warm up: how to load it, and the CPU time so far of the process serving it, if watched. */
export interface WarmedPath {
  readonly load: (durationMs: number) => Promise<LoadResult>;
  readonly cpuMicros: (() => Promise<number>) | undefined;
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
export async function warmUp(path: WarmedPath, limits: WarmUpLimits): Promise<WarmUp> {
  return (await warmUpInTurns([path], limits))[0]!;
}

/**
 * Warms several paths up together, a round of each in turn, until every watched one has settled
 * (or `maxMs`): processes compared with each other end their warm-up alike, none of them left
 * idle while another catches up.
 */
export async function warmUpInTurns(paths: readonly WarmedPath[], limits: WarmUpLimits): Promise<WarmUp[]> {
  const warmed = paths.map((path) => ({ path, elapsedMs: 0, errors: 0, perRequest: [] as number[], steadyRounds: 0 }));
  const round = async (state: (typeof warmed)[number], durationMs: number): Promise<void> => {
    const before = await state.path.cpuMicros?.();
    const result = await state.path.load(durationMs);
    const after = await state.path.cpuMicros?.();
    state.elapsedMs += durationMs;
    state.errors += result.errors;
    if (before === undefined || after === undefined) return;
    state.perRequest.push((after - before) / Math.max(1, result.ok));
    if (state.perRequest.length < 2) return;
    const [previous, latest] = state.perRequest.slice(-2) as [number, number];
    state.steadyRounds = latest >= previous * STEADY ? state.steadyRounds + 1 : 0;
  };
  for (const state of warmed) await round(state, limits.minMs);
  let elapsedMs = limits.minMs;
  const unsettled = (): boolean => warmed.some((state) => state.path.cpuMicros !== undefined && state.steadyRounds < STEADY_ROUNDS);
  while (unsettled() && elapsedMs + limits.roundMs <= limits.maxMs) {
    for (const state of warmed) if (state.path.cpuMicros !== undefined) await round(state, limits.roundMs);
    elapsedMs += limits.roundMs;
  }
  return warmed.map((state) => ({ elapsedMs: state.elapsedMs, errors: state.errors, cpuMicrosPerOk: state.perRequest }));
}
