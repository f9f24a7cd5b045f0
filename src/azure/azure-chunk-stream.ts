import type { JsonObject } from "@bufbuild/protobuf";
import type { Readable } from "node:stream";
import type { CancelSignal } from "../cancel/index.js";
import { GatewayError } from "../errors/index.js";
import { networkError } from "./network-error.js";
import { SseParser } from "./sse-parser.js";


export interface AzureChunkStreamOptions {
  /** The caller's signal: once it fires, the stream fails with `request_canceled`. */
  signal: CancelSignal;
  /** Passed to the SSE parser: the largest single event held in memory. */
  maxEventLength: number;
}

/**
 * Whether the upstream response is still ours to read: open (with the body's failure, once it
 * failed), or closed (finished, abandoned or failed: nothing more is read).
 */
type StreamState = { readonly kind: "open"; readonly failure: Error | undefined } | { readonly kind: "closed" };

const OPEN: StreamState = { kind: "open", failure: undefined };
const CLOSED: StreamState = { kind: "closed" };
const DONE: IteratorResult<JsonObject> = { done: true, value: undefined };

// After `[DONE]`, what is left of the body (normally just the chunked-encoding terminator) is read
// so the connection can go back to the keep-alive pool; anything longer is not worth waiting for.
const DRAIN_LIMIT_BYTES = 64 * 1024;

// Under load one upstream read can hold a whole answer (200 chunks of the bench's fake). Handed out
// in one go, with every other busy stream doing the same, one turn of the event loop took 75 ms
// (median, by perf trace, 64 REST streams), and a new stream's first chunk waited in line behind
// them. A turn after every 32 chunks keeps each stream's share of a turn small.
const CHUNKS_PER_TURN = 32;

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * The chunks of one streamed chat completion, parsed as they arrive. Iterate it once. Breaking out
 * of the loop aborts the upstream request, as does a failure; finishing normally releases the
 * connection for reuse. A stream nobody iterates holds its connection until the caller's signal
 * fires.
 *
 * It reads the body with `read()` and one set of listeners for the stream's life (no async
 * iterator: Node's builds a generator and a dozen closures per stream), and parses one event per
 * `next()`. It waits a turn of the event loop after the first chunk, before parsing more, after
 * every CHUNKS_PER_TURN chunks, and after the chunks of each upstream read, before reading more,
 * so that what the consumer wrote for them leaves first: HTTP/1.1 uncorks on the next tick and
 * HTTP/2 sends on setImmediate, and neither happens while a chain of resolved promises keeps the
 * loop busy. The first chunk never waits for the rest of its upstream read; the others leave one
 * write per read, or per CHUNKS_PER_TURN chunks of a longer one.
 */
export class AzureChunkStream implements AsyncIterableIterator<JsonObject> {
  readonly #body: Readable;
  readonly #parser: SseParser;
  readonly #signal: CancelSignal;
  #state: StreamState = OPEN;
  /** Resolves the read waiting for the body to have news; a no-op when none waits. */
  #wake: () => void = () => {};
  /** Chunks handed out since the last turn of the event loop. */
  #sinceTurn = 0;
  /** How many may be handed out before a turn is owed: 1 until the first chunk's turn has passed. */
  #chunksPerTurn = 1;
  // Steps run one at a time even if a caller calls next() without awaiting the previous one.
  #outstanding = 0;
  #last: Promise<IteratorResult<JsonObject>> | undefined;
  readonly #stepAfterLast = (): Promise<IteratorResult<JsonObject>> => this.#step();

  constructor(body: Readable, options: AzureChunkStreamOptions) {
    this.#body = body;
    this.#parser = new SseParser({ maxEventLength: options.maxEventLength });
    this.#signal = options.signal;
    const wake = (): void => this.#wake();
    body.on("readable", wake);
    body.on("end", wake);
    body.on("close", wake);
    // Kept for the body's whole life: an error event nobody listens to would crash the process.
    body.on("error", (error) => {
      if (this.#state.kind === "open") this.#state = { kind: "open", failure: error };
      this.#wake();
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<JsonObject>> {
    this.#outstanding += 1;
    const last = this.#last;
    const result = this.#outstanding === 1 || last === undefined ? this.#step() : last.then(this.#stepAfterLast, this.#stepAfterLast);
    this.#last = result;
    return result;
  }

  /** Called by `break`/`return` in a for-await loop: the rest of the answer is not wanted. */
  async return(): Promise<IteratorResult<JsonObject>> {
    if (this.#state.kind === "open") this.#abort();
    return DONE;
  }

  async #step(): Promise<IteratorResult<JsonObject>> {
    try {
      for (;;) {
        const state = this.#state;
        if (state.kind === "closed") return DONE;
        if (this.#signal.aborted) throw this.#signal.reason;
        if (this.#sinceTurn >= this.#chunksPerTurn) {
          await this.#turn();
          this.#chunksPerTurn = CHUNKS_PER_TURN;
          continue;
        }
        const chunk = this.#parser.read();
        if (chunk !== undefined) {
          this.#sinceTurn += 1;
          return { done: false, value: chunk };
        }
        if (this.#parser.finished) {
          this.#release();
          return DONE;
        }
        if (this.#sinceTurn > 0) {
          await this.#turn();
          continue;
        }
        const piece: Buffer | null = this.#body.read();
        if (piece !== null) this.#parser.push(piece);
        else if (state.failure !== undefined) throw state.failure;
        else if (this.#body.readableEnded) this.#parser.end();
        else if (this.#body.destroyed) throw new GatewayError("upstream_error", "Azure OpenAI closed the connection before the response was complete.");
        else await new Promise<void>((resolve) => (this.#wake = resolve));
      }
    } catch (error) {
      // A pending read fails when return() destroyed the body; the consumer asked for that.
      if (this.#state.kind === "closed") return DONE;
      this.#abort();
      throw this.#signal.aborted
        ? new GatewayError("request_canceled", undefined, { cause: this.#signal.reason })
        : networkError(error, "reading_body");
    } finally {
      this.#outstanding -= 1;
    }
  }

  #turn(): Promise<void> {
    this.#sinceTurn = 0;
    return nextTurn();
  }

  #abort(): void {
    this.#state = CLOSED;
    // undici aborts the request when its body is destroyed early, closing the socket.
    this.#body.destroy();
    this.#wake();
  }

  #release(): void {
    this.#state = CLOSED;
    const body = this.#body;
    let bytes = 0;
    const drain = (): void => {
      for (let piece: Buffer | null = body.read(); piece !== null; piece = body.read()) {
        bytes += piece.byteLength;
        if (bytes > DRAIN_LIMIT_BYTES) {
          body.destroy();
          return;
        }
      }
    };
    this.#wake = drain;
    drain();
  }
}
