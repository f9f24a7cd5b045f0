import type { JsonObject } from "@bufbuild/protobuf";
import { GatewayError } from "../errors/index.js";
import { networkError } from "./network-error.js";
import { SseParser } from "./sse-parser.js";

/** The parts of undici's response body the stream needs. */
export interface ResponseBody extends AsyncIterable<Uint8Array> {
  destroy(error?: Error): unknown;
}

export interface AzureChunkStreamOptions {
  /** The caller's signal: once it fires, the stream fails with `request_canceled`. */
  signal: AbortSignal;
  /** Passed to the SSE parser: the largest single event held in memory. */
  maxEventLength: number;
}

/** Whether the upstream response is still ours to read. */
type StreamState = "open" | "closed";

const DONE: IteratorResult<JsonObject> = { done: true, value: undefined };

// After `[DONE]`, what is left of the body (normally just the chunked-encoding terminator) is read
// so the connection can go back to the keep-alive pool; anything longer is not worth waiting for.
const DRAIN_LIMIT_BYTES = 64 * 1024;

/**
 * The chunks of one streamed chat completion, parsed as they arrive. Iterate it once. Breaking out
 * of the loop aborts the upstream request, as does a failure; finishing normally releases the
 * connection for reuse. A stream nobody iterates holds its connection until the caller's signal
 * fires.
 */
export class AzureChunkStream implements AsyncIterableIterator<JsonObject> {
  readonly #body: ResponseBody;
  readonly #pieces: AsyncIterator<Uint8Array>;
  readonly #parser: SseParser;
  readonly #signal: AbortSignal;
  #state: StreamState = "open";
  // Steps run one at a time even if a caller calls next() without awaiting the previous one.
  #previous: Promise<unknown> = Promise.resolve();

  constructor(body: ResponseBody, options: AzureChunkStreamOptions) {
    this.#body = body;
    this.#pieces = body[Symbol.asyncIterator]();
    this.#parser = new SseParser({ maxEventLength: options.maxEventLength });
    this.#signal = options.signal;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<JsonObject>> {
    const result = this.#previous.then(() => this.#step());
    this.#previous = result.catch(() => undefined);
    return result;
  }

  /** Called by `break`/`return` in a for-await loop: the rest of the answer is not wanted. */
  async return(): Promise<IteratorResult<JsonObject>> {
    if (this.#state === "open") this.#abort();
    return DONE;
  }

  async #step(): Promise<IteratorResult<JsonObject>> {
    try {
      for (;;) {
        if (this.#state === "closed") return DONE;
        if (this.#signal.aborted) throw this.#signal.reason;
        const chunk = this.#parser.read();
        if (chunk !== undefined) return { done: false, value: chunk };
        if (this.#parser.finished) {
          this.#release();
          return DONE;
        }
        const piece = await this.#pieces.next();
        if (piece.done) this.#parser.end();
        else this.#parser.push(piece.value);
      }
    } catch (error) {
      // A pending read fails when return() destroyed the body; the consumer asked for that.
      if (this.#state === "closed") return DONE;
      this.#abort();
      throw this.#signal.aborted
        ? new GatewayError("request_canceled", undefined, { cause: this.#signal.reason })
        : networkError(error, "reading_body");
    }
  }

  #abort(): void {
    this.#state = "closed";
    // undici aborts the request when its body is destroyed early, closing the socket.
    this.#body.destroy();
  }

  #release(): void {
    this.#state = "closed";
    const pieces = this.#pieces;
    const body = this.#body;
    void (async () => {
      let bytes = 0;
      try {
        for (;;) {
          const piece = await pieces.next();
          if (piece.done === true) return;
          bytes += piece.value.byteLength;
          if (bytes > DRAIN_LIMIT_BYTES) break;
        }
      } catch {
        return; // the connection is gone either way
      }
      body.destroy();
    })();
  }
}
