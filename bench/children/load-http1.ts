/**
 * HTTP/1.1 load generator: autocannon, in its own process. autocannon's own latency histogram
 * counts whole milliseconds, too coarse for the 0.35 ms target, so every response time it reports
 * is kept and the percentiles are computed from them.
 */
import autocannon from "autocannon";
import { ErrorSamples, loadResult, type LoadResult } from "../lib/leg-result.js";
import { serveParent } from "../lib/parent-channel.js";

export interface Http1Job {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly connections: number;
  readonly durationMs: number;
}

async function run(job: Http1Job): Promise<LoadResult> {
  const latencies: number[] = [];
  const errors = new ErrorSamples();
  const cpuAtStart = process.cpuUsage();
  const startedAt = performance.now();
  const options: autocannon.Options = {
    url: job.url,
    method: "POST",
    headers: job.headers,
    body: job.body,
    connections: job.connections,
    pipelining: 1,
    duration: job.durationMs / 1000,
    timeout: 10,
  };
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(options, (error: unknown) => (error ? reject(error) : resolve()));
    instance.on("response", (_client, statusCode, _bytes, responseTimeMs) => {
      if (statusCode >= 200 && statusCode <= 299) latencies.push(responseTimeMs);
      else errors.add(`HTTP ${statusCode}`);
    });
    // Transport errors and timeouts both arrive here.
    instance.on("reqError", (error: unknown) => errors.add(error));
  });
  return loadResult({ latencies, errors, elapsedMs: performance.now() - startedAt, cpuAtStart });
}

serveParent({}, { run: (args) => run(args as Http1Job) });
