import type { JsonObject } from "@bufbuild/protobuf";
import type { OutgoingHttpHeaders } from "node:http";
import type { HttpResponse } from "./http-types.js";

// Past this many characters the events waiting for the end of the tick are written at once.
const WRITE_AT_CHARS = 64 * 1024;

const noop = (): void => {};

/**
 * Writes a text/event-stream response the way OpenAI does: one `data:` line per event, then [DONE].
 *
 * Events sent in the same tick (the chunks of one upstream read) leave in one write at the end of
 * that tick, the first one together with the response head: one socket write and one chunk of
 * chunked encoding per upstream read instead of four buffers per event, and no event waits past
 * the tick it was sent in.
 */
export class SseWriter {
  readonly #res: HttpResponse;
  #pending = "";
  #scheduled = false;
  #closed = false;
  /** While the connection is full: settles once it drained or closed. */
  #full: Promise<void> | undefined;
  #release: () => void = noop;
  readonly #onTick = (): void => {
    this.#scheduled = false;
    this.#write();
  };

  constructor(res: HttpResponse, extraHeaders: OutgoingHttpHeaders) {
    this.#res = res;
    res.writeHead(200, {
      ...extraHeaders,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      // Tells nginx-style proxies in front of us not to hold chunks back.
      "x-accel-buffering": "no",
    });
    res.on("drain", () => this.#release());
    res.once("close", () => {
      this.#closed = true;
      this.#release();
    });
  }

  /**
   * Queues the event for the end of this tick. Returns a promise while the connection is full (it
   * settles once it drained, or closed): wait for it before sending more.
   */
  send(event: JsonObject): Promise<void> | undefined {
    this.#pending += `data: ${JSON.stringify(event)}\n\n`;
    if (this.#pending.length >= WRITE_AT_CHARS) this.#write();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(this.#onTick);
    }
    return this.#full;
  }

  done(): void {
    this.#end("data: [DONE]\n\n");
  }

  /** Ends the stream with an error event; the openai SDK raises it as an APIError. */
  fail(errorBody: JsonObject): void {
    this.#end(`data: ${JSON.stringify(errorBody)}\n\n`);
  }

  #end(last: string): void {
    const text = this.#pending + last;
    this.#pending = "";
    this.#res.end(text);
  }

  #write(): void {
    const text = this.#pending;
    if (text === "") return;
    this.#pending = "";
    if (this.#res.write(text) || this.#closed || this.#full !== undefined) return;
    this.#full = new Promise((resolve) => {
      this.#release = () => {
        this.#full = undefined;
        this.#release = noop;
        resolve();
      };
    });
  }
}
