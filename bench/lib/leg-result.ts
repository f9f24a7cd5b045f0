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

/**
 * Runs `concurrency` workers, each making `call` again and again until `durationMs` have passed; a
 * call that throws is counted in `errors` and its worker goes on. Resolves with the elapsed ms.
 */
export async function loadFor(concurrency: number, durationMs: number, errors: ErrorSamples, call: (worker: number) => Promise<void>): Promise<number> {
  const startedAt = performance.now();
  const deadline = startedAt + durationMs;
  const worker = async (_: unknown, index: number): Promise<void> => {
    while (performance.now() < deadline) {
      try {
        await call(index);
      } catch (error) {
        errors.add(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return performance.now() - startedAt;
}

/** What a leg measured, as the parent reads it. `firstEvents` only for streams. */
export interface LegSamples {
  readonly latencies: readonly number[];
  readonly firstEvents?: readonly number[] | undefined;
  readonly errors: ErrorSamples;
  readonly elapsedMs: number;
  /** process.cpuUsage() when the measured load began. */
  readonly cpuAtStart: NodeJS.CpuUsage;
}

export function loadResult(samples: LegSamples): LoadResult {
  const { latencies, firstEvents, errors, elapsedMs } = samples;
  return {
    rps: latencies.length / (elapsedMs / 1000),
    ok: latencies.length,
    errors: errors.count,
    errorSamples: errors.samples,
    elapsedMs,
    latency: summarize(latencies),
    ...(firstEvents !== undefined && { ttfb: summarize(firstEvents) }),
    loadCpuMicrosPerOk: cpuMicrosSince(samples.cpuAtStart) / Math.max(1, latencies.length),
  };
}
