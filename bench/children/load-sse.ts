/**
 * HTTP/1.1 streaming load generator: N workers over an undici pool, each asking for the fake's
 * 200-event stream (directly or through the REST bridge) and timing the first event and the last.
 */
import { Pool } from "undici";
import { STREAM_EVENTS } from "../lib/fast-fake-replies.js";
import { ErrorSamples, loadFor, loadResult, type LoadResult } from "../lib/leg-result.js";
import { serveParent } from "../lib/parent-channel.js";
import { SseEventCounter } from "../lib/sse-event-counter.js";

export interface SseJob {
  readonly origin: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly concurrency: number;
  readonly durationMs: number;
}

async function run(job: SseJob): Promise<LoadResult> {
  const pool = new Pool(job.origin, { connections: job.concurrency });
  const latencies: number[] = [];
  const firstEvents: number[] = [];
  const errors = new ErrorSamples();

  const stream = async (): Promise<void> => {
    const startedAt = performance.now();
    const response = await pool.request({ path: job.path, method: "POST", headers: job.headers, body: job.body });
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new Error(`HTTP ${response.statusCode}`);
    }
    const counter = new SseEventCounter();
    let first = 0;
    for await (const piece of response.body) {
      if (first === 0) first = performance.now() - startedAt;
      counter.push(piece as Buffer);
    }
    const took = performance.now() - startedAt;
    // The data events and [DONE].
    if (counter.events !== STREAM_EVENTS + 1 || !counter.endedWithDone) {
      throw new Error(`stream ended after ${counter.events} events${counter.endedWithDone ? "" : " without [DONE]"}`);
    }
    firstEvents.push(first);
    latencies.push(took);
  };

  const cpuAtStart = process.cpuUsage();
  const elapsedMs = await loadFor(job.concurrency, job.durationMs, errors, stream);
  await pool.close();
  return loadResult({ latencies, firstEvents, errors, elapsedMs, cpuAtStart });
}

serveParent({}, { run: (args) => run(args as SseJob) });
