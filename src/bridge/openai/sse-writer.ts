import type { JsonObject } from "@bufbuild/protobuf";
import type { OutgoingHttpHeaders } from "node:http";
import type { HttpResponse } from "./http-types.js";

/** Writes a text/event-stream response the way OpenAI does: one `data:` line per event, then [DONE]. */
export class SseWriter {
  readonly #res: HttpResponse;

  constructor(res: HttpResponse, extraHeaders: OutgoingHttpHeaders) {
    this.#res = res;
    res.writeHead(200, {
      ...extraHeaders,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      // Tells nginx-style proxies in front of us not to hold chunks back.
      "x-accel-buffering": "no",
    });
    // Send the headers now: the client learns the stream started before the first chunk is ready.
    // (HTTP/2's writeHead already sends them.)
    if ("flushHeaders" in res) res.flushHeaders();
  }

  /** Resolves when the chunk was handed to the socket, or once the socket drained if it was full. */
  send(event: JsonObject): Promise<void> | undefined {
    if (this.#res.write(`data: ${JSON.stringify(event)}\n\n`)) return undefined;
    return new Promise((resolve) => {
      const done = (): void => {
        this.#res.off("drain", done);
        this.#res.off("close", done);
        resolve();
      };
      this.#res.on("drain", done);
      this.#res.on("close", done);
    });
  }

  done(): void {
    this.#res.end("data: [DONE]\n\n");
  }

  /** Ends the stream with an error event; the openai SDK raises it as an APIError. */
  fail(errorBody: JsonObject): void {
    this.#res.end(`data: ${JSON.stringify(errorBody)}\n\n`);
  }
}
