/**
 * HTTP/1.1 streaming load generator: N workers, each on a connection of its own (as autocannon's
 * are), asking for the fake's 200-event stream (directly or through the REST bridge) and timing the
 * first event and the last.
 *
 * Each connection is opened, and carries one untimed stream, before the clock starts. Since libuv
 * 1.45 (Node 20) a busy server accepts one new connection per turn of its event loop: 64 connections
 * opened at once, while the first ones' streams keep the loop busy, were accepted over up to 2 s, and
 * the leg's first-byte p99 measured that queue rather than the path (README, Performance).
 */
import { Client } from "undici";
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
  const connections = Array.from({ length: job.concurrency }, () => new Client(job.origin));
  const latencies: number[] = [];
  const firstEvents: number[] = [];
  const errors = new ErrorSamples();

  const stream = async (worker: number, timed = true): Promise<void> => {
    const startedAt = performance.now();
    const response = await connections[worker]!.request({ path: job.path, method: "POST", headers: job.headers, body: job.body });
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
    if (!timed) return;
    firstEvents.push(first);
    latencies.push(took);
  };

  await Promise.all(connections.map((_, worker) => stream(worker, false).catch((error: unknown) => errors.add(error))));
  const cpuAtStart = process.cpuUsage();
  const elapsedMs = await loadFor(job.concurrency, job.durationMs, errors, stream);
  await Promise.all(connections.map((connection) => connection.close()));
  return loadResult({ latencies, firstEvents, errors, elapsedMs, cpuAtStart });
}

serveParent({}, { run: (args) => run(args as SseJob) });
