/** Percentiles of one set of timings, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** What a load generator reports for one leg. */
export interface LoadResult {
  /** Successful requests (or complete, verified streams) per second of the measured window. */
  readonly rps: number;
  readonly ok: number;
  /** Failed requests: transport errors, timeouts, non-2xx answers, RPC errors, incomplete streams. */
  readonly errors: number;
  /** Up to five distinct error messages, for the report. */
  readonly errorSamples: readonly string[];
  readonly elapsedMs: number;
  /** Request latency; for streams, the time until the last byte. */
  readonly latency: LatencySummary;
  /** Streams only: time until the first event arrived. */
  readonly ttfb?: LatencySummary;
  /** CPU the load generator itself spent per successful request, in µs. */
  readonly loadCpuMicrosPerOk: number;
}

/** Nearest-rank percentiles over every sample (no histogram bucketing, so sub-millisecond values stay exact). */
export function summarize(samplesMs: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samplesMs).sort();
  const at = (q: number): number => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
  return { count: sorted.length, p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99), maxMs: at(1) };
}

/** Collects distinct error messages, a few of them. */
export class ErrorSamples {
  readonly #samples = new Set<string>();
  count = 0;

  add(error: unknown): void {
    this.count += 1;
    if (this.#samples.size < 5) this.#samples.add(error instanceof Error ? error.message : String(error));
  }

  get samples(): string[] {
    return [...this.#samples];
  }
}

/** CPU (user + system) of this process since `since`, in µs. */
export function cpuMicrosSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}
