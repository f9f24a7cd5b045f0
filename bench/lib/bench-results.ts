import type { OpenStreamsResult } from "../children/open-streams.js";
import type { HeldGroupReport } from "./held-streams.js";
import type { LoadResult } from "./leg-result.js";

export type UnaryPath = "direct" | "bare proxy" | "REST bridge" | "Connect binary h2" | "gRPC" | "Connect binary h2 (connect-node client)";
export type StreamPath = "direct" | "REST bridge SSE" | "StreamChatCompletion";

export interface UnaryLeg {
  readonly path: UnaryPath;
  readonly concurrency: number;
  readonly result: LoadResult;
  /** CPU of the process between client and fake (gateway or bare proxy) per successful request, µs. */
  readonly midCpuMicrosPerOk: number | undefined;
  readonly fakeCpuMicrosPerOk: number;
  /** requests/s over direct's (and the bare proxy's) at the same concurrency, same run. */
  readonly ratioToDirect: number;
  readonly ratioToProxy: number;
}

export interface StreamLeg {
  readonly path: StreamPath;
  readonly concurrency: number;
  readonly result: LoadResult;
  readonly midCpuMicrosPerOk: number | undefined;
  /** Time to first event, p50, minus direct's at the same concurrency, ms. */
  readonly addedTtfbP50Ms: number;
  readonly addedTotalP50Ms: number;
}

export interface OpenStreamsLeg {
  readonly via: "rest" | "connect";
  readonly count: number;
  readonly client: OpenStreamsResult;
  /** What the fake saw: how many streams it held at once, and any the gateway let go early. */
  readonly fake: HeldGroupReport | undefined;
  readonly gatewayIdleRssBytes: number;
  /** Highest RSS the orchestrator sampled (every 200 ms) while the fake was holding the streams. */
  readonly gatewayRssWhileHeldBytes: number;
  /** The kernel's high-water mark (VmHWM) for the gateway process, which served only this leg. */
  readonly gatewayPeakRssBytes: number;
  /** The gateway's longest event-loop stall during the leg: opening and ending thousands of streams is bursty. */
  readonly gatewayMaxEventLoopDelayMs: number;
  readonly unexpectedGatewayErrors: readonly string[];
}

/** The paths the throughput targets compare, measured again in paired rounds. */
export type PairedPath = "direct" | "bare proxy" | "REST bridge" | "Connect binary h2";
export const PAIRED_PATHS: readonly PairedPath[] = ["direct", "bare proxy", "REST bridge", "Connect binary h2"];

/** One round of short legs at 64 concurrent, one per compared path, back to back. */
export interface PairedRound {
  readonly rps: Readonly<Record<PairedPath, number>>;
  readonly errors: number;
}

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  /** undefined: not measured in this mode. */
  readonly pass: boolean | undefined;
}

export interface BenchResults {
  readonly meta: {
    readonly date: string;
    readonly mode: "full" | "quick";
    readonly node: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly legMs: number;
    readonly warmupMs: number;
    readonly warmupMaxMs: number;
    /** Each path's leg in a paired round. */
    readonly pairedRoundMs: number;
    /** How long each path was warmed up, and the serving process's CPU per request in each round (µs). */
    readonly warmUps: readonly { readonly path: string; readonly elapsedMs: number; readonly cpuMicrosPerOk: readonly number[] }[];
    readonly commit: string;
    /** The machine's 1-minute load average as the run started: above ~0.5, something else was competing for the CPUs. */
    readonly loadAverageAtStart: number;
  };
  readonly unary: readonly UnaryLeg[];
  /**
   * The throughput targets' paths at 64 concurrent in alternating short rounds: a ratio taken
   * within a round is not moved by the machine's speed swinging between two legs a minute apart.
   */
  readonly pairedRounds: readonly PairedRound[];
  readonly streams: readonly StreamLeg[];
  readonly openStreams: readonly OpenStreamsLeg[];
  readonly targets: readonly TargetCheck[];
  readonly unexpectedGatewayErrors: readonly string[];
}
