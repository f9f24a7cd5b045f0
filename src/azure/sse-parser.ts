import type { JsonObject } from "@bufbuild/protobuf";
import { GatewayError } from "../errors/index.js";
import { azureStreamError } from "./azure-error.js";
import { isJsonObject } from "./json-object.js";

export interface SseParserOptions {
  /**
   * The longest event (its pending line plus data lines) the parser holds, in UTF-16 code units;
   * a longer one fails the stream instead of growing memory without bound. Default 16 MiB.
   */
  maxEventLength?: number;
}

/** What the parser has produced, in stream order, for `read()` to hand out. */
type Outcome = { kind: "chunk"; chunk: JsonObject } | { kind: "failed"; error: GatewayError };

/** Whether more input can change the outcome: "done" after `[DONE]`, "stopped" after a failure. */
type InputState = "open" | "done" | "stopped";

const DONE_SENTINEL = "[DONE]";
const LF = 0x0a;
const CR = 0x0d;

/**
 * Incremental parser for Azure OpenAI's chat-completion event streams (the WHATWG
 * server-sent-events format, https://html.spec.whatwg.org/multipage/server-sent-events.html, with
 * `data: [DONE]` as the end). Pieces may split events, lines and UTF-8 characters anywhere.
 *
 * `push()` never throws; failures are queued behind the chunks that preceded them, so `read()`
 * hands out every good chunk before throwing, in the order Azure sent them.
 */
export class SseParser {
  readonly #maxEventLength: number;
  readonly #decoder = new TextDecoder("utf-8");
  readonly #outcomes: Outcome[] = [];
  #input: InputState = "open";
  #line = "";
  #data: string[] = [];
  #dataLength = 0;
  // A piece that ended in CR leaves open whether the next piece's leading LF belongs to it.
  #afterCr = false;
  #started = false;

  constructor(options: SseParserOptions = {}) {
    this.#maxEventLength = options.maxEventLength ?? 16 * 1024 * 1024;
  }

  /** Feeds the next piece of the stream. Input after `[DONE]` or a failure is ignored. */
  push(piece: Uint8Array | string): void {
    if (this.#input !== "open") return;
    let text = typeof piece === "string" ? piece : this.#decoder.decode(piece, { stream: true });
    if (!this.#started && text !== "") {
      this.#started = true;
      // The decoder drops a leading UTF-8 BOM itself; the SSE spec wants strings treated alike.
      if (typeof piece === "string" && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.#scan(text);
  }

  /** Marks the end of input. A stream that stops before `[DONE]` is a failure, never a success. */
  end(): void {
    if (this.#input !== "open") return;
    this.#scan(this.#decoder.decode());
    if (this.#input !== "open") return;
    this.#fail(new GatewayError("upstream_error", "Azure ended the stream early."));
  }

  /**
   * The next parsed `data:` object, or undefined when the parser needs more input (or is finished).
   * Throws the stream's GatewayError once every chunk before it has been read.
   */
  read(): JsonObject | undefined {
    const next = this.#outcomes[0];
    if (next === undefined) return undefined;
    if (next.kind === "failed") throw next.error;
    this.#outcomes.shift();
    return next.chunk;
  }

  /** True once `[DONE]` arrived and every chunk before it has been read. */
  get finished(): boolean {
    return this.#input === "done" && this.#outcomes.length === 0;
  }

  #scan(text: string): void {
    let start = 0;
    if (this.#afterCr && text.charCodeAt(0) === LF) start = 1;
    this.#afterCr = false;
    for (let i = start; i < text.length && this.#input === "open"; i++) {
      const code = text.charCodeAt(i);
      if (code !== LF && code !== CR) continue;
      this.#line += text.slice(start, i);
      this.#takeLine();
      if (code === CR) {
        if (i + 1 === text.length) this.#afterCr = true;
        else if (text.charCodeAt(i + 1) === LF) i++;
      }
      start = i + 1;
    }
    if (this.#input !== "open") return;
    this.#line += text.slice(start);
    if (this.#line.length + this.#dataLength > this.#maxEventLength) {
      this.#fail(new GatewayError("upstream_error", "Azure sent a stream event larger than the gateway accepts."));
    }
  }

  #takeLine(): void {
    const line = this.#line;
    this.#line = "";
    if (line === "") {
      this.#dispatch();
      return;
    }
    if (line.charCodeAt(0) === 0x3a) return; // ":" starts a comment (keep-alive pings)
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    // `event:`, `id:`, `retry:` and unknown fields mean nothing to a chat completion stream.
    if (field !== "data") return;
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    this.#data.push(value);
    this.#dataLength += value.length + 1;
    if (this.#dataLength > this.#maxEventLength) {
      this.#fail(new GatewayError("upstream_error", "Azure sent a stream event larger than the gateway accepts."));
    }
  }

  #dispatch(): void {
    if (this.#data.length === 0) return;
    const data = this.#data.join("\n");
    this.#data = [];
    this.#dataLength = 0;
    if (data === DONE_SENTINEL) {
      this.#input = "done";
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch (cause) {
      this.#fail(new GatewayError("upstream_error", "Azure sent a stream event that is not valid JSON.", { cause }));
      return;
    }
    if (!isJsonObject(parsed)) {
      this.#fail(new GatewayError("upstream_error", "Azure sent a stream event that is not a JSON object."));
      return;
    }
    // The openai SDK treats any non-null `error` in a data event as a failed stream; so do we.
    if (parsed["error"] !== undefined && parsed["error"] !== null) {
      this.#fail(azureStreamError(parsed["error"]));
      return;
    }
    this.#outcomes.push({ kind: "chunk", chunk: parsed });
  }

  #fail(error: GatewayError): void {
    this.#input = "stopped";
    this.#line = "";
    this.#data = [];
    this.#dataLength = 0;
    this.#outcomes.push({ kind: "failed", error });
  }
}
