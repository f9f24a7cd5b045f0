/**
 * Opens many slow streams at once and holds them until the fake ends them (see held-streams.ts),
 * over REST (one HTTP/1.1 connection per stream, as the openai SDK does) or over Connect's
 * StreamChatCompletion (all streams multiplexed on one HTTP/2 session). Counts how many opened,
 * how many were open at the same time, and how many ended complete.
 */
import { Pool } from "undici";
import { ErrorSamples } from "../lib/leg-result.js";
import { serveParent } from "../lib/parent-channel.js";
import { chatRequestJson, chatRequestMessage, rpcClient } from "../lib/rpc-clients.js";
import { SseEventCounter } from "../lib/sse-event-counter.js";

export interface OpenStreamsJob {
  readonly kind: "rest" | "connect";
  readonly baseUrl: string;
  readonly key: string;
  readonly model: string;
  readonly count: number;
  /** At most this many streams are waiting for their first event at once, a steady ramp rather than a SYN flood. */
  readonly maxOpening: number;
}

export interface OpenStreamsResult {
  readonly opened: number;
  readonly completed: number;
  readonly failed: number;
  readonly errorSamples: readonly string[];
  /** Streams that had their first event and had not ended, at the busiest moment. */
  readonly maxOpen: number;
  /** From the first request to the moment all streams were open (or NaN if they never were). */
  readonly allOpenMs: number;
  readonly elapsedMs: number;
}

// A held stream has at least its head (prompt-filter, role), finish and usage events; fewer is a truncation.
const MIN_EVENTS = 4;

async function run(job: OpenStreamsJob): Promise<OpenStreamsResult> {
  const errors = new ErrorSamples();
  let opened = 0;
  let open = 0;
  let maxOpen = 0;
  let completed = 0;
  let allOpenMs = Number.NaN;
  const startedAt = performance.now();
  const onOpen = (): void => {
    opened += 1;
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    if (opened === job.count) allOpenMs = performance.now() - startedAt;
  };

  const pool = job.kind === "rest" ? new Pool(job.baseUrl, { connections: job.count, headersTimeout: 0, bodyTimeout: 0 }) : undefined;
  const rpc = job.kind === "connect" ? rpcClient(job.baseUrl, "connect") : undefined;
  const restBody = chatRequestJson(job.model, true);
  const message = chatRequestMessage(job.model, true);

  /** Resolves once the stream's first event arrived; `ended` once it is over. */
  const openOne = (): { opened: Promise<void>; ended: Promise<void> } => {
    let markOpened: () => void = () => {};
    const openedPromise = new Promise<void>((resolve) => (markOpened = resolve));
    const ended = (async () => {
      let events = 0;
      let isOpen = false;
      try {
        if (pool !== undefined) {
          const response = await pool.request({
            path: "/v1/chat/completions",
            method: "POST",
            headers: { authorization: `Bearer ${job.key}`, "content-type": "application/json" },
            body: restBody,
          });
          if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}: ${await response.body.text()}`);
          const counter = new SseEventCounter();
          for await (const piece of response.body) {
            counter.push(piece as Buffer);
            if (!isOpen && counter.events > 0) {
              isOpen = true;
              onOpen();
              markOpened();
            }
          }
          events = counter.events;
          if (!counter.endedWithDone) throw new Error(`stream ended after ${events} events without [DONE]`);
        } else if (rpc !== undefined) {
          for await (const _chunk of rpc.chat.streamChatCompletion({ request: message }, { headers: { authorization: `Bearer ${job.key}` } })) {
            events += 1;
            if (!isOpen) {
              isOpen = true;
              onOpen();
              markOpened();
            }
          }
        }
        if (events < MIN_EVENTS) throw new Error(`stream ended after ${events} events`);
        completed += 1;
      } catch (error) {
        errors.add(error);
      } finally {
        if (isOpen) open -= 1;
        markOpened();
      }
    })();
    return { opened: openedPromise, ended };
  };

  const all: Promise<void>[] = [];
  const opening = new Set<Promise<void>>();
  for (let i = 0; i < job.count; i += 1) {
    if (opening.size >= job.maxOpening) await Promise.race(opening);
    const stream = openOne();
    const tracked = stream.opened.then(() => {
      opening.delete(tracked);
    });
    opening.add(tracked);
    all.push(stream.ended);
  }
  await Promise.all(all);
  const elapsedMs = performance.now() - startedAt;
  await pool?.close();
  rpc?.close();
  return {
    opened,
    completed,
    failed: errors.count,
    errorSamples: errors.samples,
    maxOpen,
    allOpenMs,
    elapsedMs,
  };
}

serveParent({}, { run: (args) => run(args as OpenStreamsJob) });
