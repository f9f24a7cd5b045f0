/** How much the suite measures: the full run (about 4 minutes) or the CI smoke run (30–40 s). */
export interface BenchPlan {
  readonly mode: "full" | "quick";
  /** Measured time per leg. */
  readonly legMs: number;
  /**
   * Load sent to each path before its first leg, not measured, so the JIT has warmed up: at least
   * `warmupMs`, then rounds of `warmupRoundMs` until the serving process's CPU per request stops
   * falling, at most `warmupMaxMs` in all (see warm-up.ts).
   */
  readonly warmupMs: number;
  readonly warmupMaxMs: number;
  readonly warmupRoundMs: number;
  readonly unaryConcurrencies: readonly number[];
  /** Rounds, and the length of each path's leg in a round, of the paired measurement at 64 concurrent. */
  readonly pairedRounds: number;
  readonly pairedRoundMs: number;
  readonly streamConcurrencies: readonly number[];
  /** Streams held open at once in the open-streams leg, and how long they are held once all are open. */
  readonly openStreams: number;
  readonly holdMs: number;
  readonly openStreamKinds: readonly ("rest" | "connect")[];
  /** Measured time of each profiled leg (`--profile`). */
  readonly profileMs: number;
  /** The whole run is abandoned (exit 2) past this. */
  readonly deadlineMs: number;
}

export function benchPlan(quick: boolean): BenchPlan {
  return quick
    ? {
        mode: "quick",
        legMs: 1_000,
        warmupMs: 500,
        warmupMaxMs: 500,
        warmupRoundMs: 500,
        unaryConcurrencies: [1, 64],
        pairedRounds: 2,
        pairedRoundMs: 500,
        streamConcurrencies: [1],
        // Opening streams is the slow part (a TCP connection each way per stream); 1,000 keep the smoke run short.
        openStreams: 1_000,
        holdMs: 1_000,
        openStreamKinds: ["rest"],
        profileMs: 3_000,
        deadlineMs: 180_000,
      }
    : {
        mode: "full",
        legMs: 5_000,
        warmupMs: 2_000,
        warmupMaxMs: 12_000,
        warmupRoundMs: 1_500,
        unaryConcurrencies: [1, 64, 256],
        pairedRounds: 5,
        pairedRoundMs: 2_000,
        streamConcurrencies: [1, 64],
        openStreams: 5_000,
        holdMs: 3_000,
        openStreamKinds: ["rest", "connect"],
        profileMs: 8_000,
        // About 4 minutes on these machines; the margin is for machines busy with other work.
        deadlineMs: 600_000,
      };
}
