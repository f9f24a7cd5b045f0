import type { JsonObject } from "@bufbuild/protobuf";
import { GatewayError } from "../errors/index.js";
import { azureStreamError } from "./azure-error.js";
import { isJsonObject } from "./json-object.js";

export interface SseParserOptions {
  /**
   * The longest event the parser holds (its data, or the text of its unfinished line), in UTF-16
   * code units; a longer one fails the stream instead of growing memory without bound. Default 16 MiB.
   */
  maxEventLength?: number;
}

/** Reading events; finished at `[DONE]`; or failed, and every read from then on throws the error. */
type ParseState = { readonly kind: "open" } | { readonly kind: "done" } | { readonly kind: "failed"; readonly error: GatewayError };

const OPEN: ParseState = { kind: "open" };
const DONE: ParseState = { kind: "done" };
const DONE_SENTINEL = "[DONE]";
const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
const BOM = 0xfeff;
/** "d", the first letter of `data`, the one field a chat completion stream uses. */
const D = 0x64;

/**
 * Incremental parser for Azure OpenAI's chat-completion event streams (the WHATWG
 * server-sent-events format, https://html.spec.whatwg.org/multipage/server-sent-events.html, with
 * `data: [DONE]` as the end). Pieces may split events, lines and UTF-8 characters anywhere.
 *
 * `push()` only stores the text; each `read()` parses just far enough for one event, so the first
 * chunk of a large upstream read is handed on before the rest of that read is parsed. Lines are
 * found with `indexOf`, not character by character. Call `read()` until it returns undefined
 * before pushing more: what is pushed is held until it is read.
 */
export class SseParser {
  readonly #maxEventLength: number;
  #state: ParseState = OPEN;
  /** Text received and not parsed yet, from `#at` on. */
  #text = "";
  #at = 0;
  /** Where the next CR at or after `#at` is (-1: none in `#text`); undefined once `#text` changed. */
  #crAt: number | undefined = -1;
  /** The current event's data lines, joined with "\n"; undefined before its first data line. */
  #data: string | undefined = undefined;
  // A line that ended in the last CR of the text leaves open whether the next piece's leading LF belongs to it.
  #afterCr = false;
  #ended = false;
  #started = false;
  /** The bytes of a UTF-8 character the last piece ended inside. */
  #carry: Buffer | undefined = undefined;

  constructor(options: SseParserOptions = {}) {
    this.#maxEventLength = options.maxEventLength ?? 16 * 1024 * 1024;
  }

  /** Feeds the next piece of the stream. Input after `end()`, `[DONE]` or a failure is ignored. */
  push(piece: Uint8Array | string): void {
    if (this.#ended || this.#state.kind !== "open") return;
    this.#append(typeof piece === "string" ? piece : this.#decode(piece));
  }

  /** Marks the end of input. A stream that stops before `[DONE]` is a failure, never a success. */
  end(): void {
    if (this.#ended || this.#state.kind !== "open") return;
    const carry = this.#carry;
    this.#carry = undefined;
    // An unfinished character decodes as U+FFFD, as TextDecoder would.
    if (carry !== undefined) this.#append(carry.toString("utf8"));
    this.#ended = true;
  }

  /**
   * The next parsed `data:` object, or undefined when the parser needs more input (or is finished).
   * Throws the stream's GatewayError once every chunk before it has been read.
   */
  read(): JsonObject | undefined {
    for (;;) {
      const state = this.#state;
      if (state.kind === "failed") throw state.error;
      if (state.kind === "done") return undefined;
      const text = this.#text;
      const at = this.#at;
      let end = text.indexOf("\n", at);
      let next = end + 1;
      const cr = this.#nextCr();
      if (cr !== -1 && (end === -1 || cr < end)) {
        end = cr;
        next = cr + 1;
        if (next === text.length) this.#afterCr = true;
        else if (text.charCodeAt(next) === LF) next += 1;
      }
      if (end === -1) {
        // No complete line left: wait for more, unless the input is over or the event too long.
        if (this.#ended) this.#fail(new GatewayError("upstream_error", "Azure ended the stream early."));
        else if ((this.#data?.length ?? 0) + text.length - at > this.#maxEventLength) this.#tooLong();
        else {
          // A stream waiting for its next piece holds no text it has parsed.
          if (at === text.length) {
            this.#text = "";
            this.#at = 0;
            this.#crAt = -1;
          }
          return undefined;
        }
        continue;
      }
      this.#at = next;
      if (end === at) {
        const chunk = this.#dispatch();
        if (chunk !== undefined) return chunk;
        continue;
      }
      // Of the fields only `data` means anything to a chat completion stream; `:` starts a comment
      // (Azure's keep-alive pings), and `event:`, `id:`, `retry:` and unknown fields are ignored.
      if (text.charCodeAt(at) !== D || !text.startsWith("data", at)) continue;
      if (end === at + 4) this.#addData("");
      else if (text.charCodeAt(at + 4) === COLON) {
        const from = at + 5 < end && text.charCodeAt(at + 5) === SPACE ? at + 6 : at + 5;
        this.#addData(text.slice(from, end));
      }
    }
  }

  /** True once `[DONE]` arrived and every chunk before it has been read. */
  get finished(): boolean {
    return this.#state.kind === "done";
  }

  #append(decoded: string): void {
    let text = decoded;
    if (text === "") return;
    if (!this.#started) {
      this.#started = true;
      // The SSE spec drops a leading byte order mark, as TextDecoder would for bytes.
      if (text.charCodeAt(0) === BOM) text = text.slice(1);
    }
    if (this.#afterCr) {
      this.#afterCr = false;
      if (text.charCodeAt(0) === LF) text = text.slice(1);
    }
    this.#text = this.#at >= this.#text.length ? text : this.#text.slice(this.#at) + text;
    this.#at = 0;
    this.#crAt = undefined;
  }

  /** Bytes to text, holding back a character split between this piece and the next. */
  #decode(piece: Uint8Array): string {
    let bytes = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    if (this.#carry !== undefined) {
      bytes = Buffer.concat([this.#carry, bytes]);
      this.#carry = undefined;
    }
    const complete = completeUtf8Length(bytes);
    // A copy, so the carry does not keep the whole piece alive.
    if (complete < bytes.length) this.#carry = Buffer.from(bytes.subarray(complete));
    return bytes.toString("utf8", 0, complete);
  }

  #nextCr(): number {
    const known = this.#crAt;
    if (known !== undefined && (known === -1 || known >= this.#at)) return known;
    const found = this.#text.indexOf("\r", this.#at);
    this.#crAt = found;
    return found;
  }

  #addData(value: string): void {
    const data = this.#data === undefined ? value : `${this.#data}\n${value}`;
    this.#data = data;
    if (data.length > this.#maxEventLength) this.#tooLong();
  }

  /** The blank line ending an event: its chunk, or undefined for an event without data or `[DONE]`. */
  #dispatch(): JsonObject | undefined {
    const data = this.#data;
    if (data === undefined) return undefined;
    this.#data = undefined;
    if (data === DONE_SENTINEL) {
      this.#state = DONE;
      this.#text = "";
      this.#at = 0;
      return undefined;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch (cause) {
      this.#fail(new GatewayError("upstream_error", "Azure sent a stream event that is not valid JSON.", { cause }));
      return undefined;
    }
    if (!isJsonObject(parsed)) {
      this.#fail(new GatewayError("upstream_error", "Azure sent a stream event that is not a JSON object."));
      return undefined;
    }
    // The openai SDK treats any non-null `error` in a data event as a failed stream; so do we.
    if (parsed["error"] !== undefined && parsed["error"] !== null) {
      this.#fail(azureStreamError(parsed["error"]));
      return undefined;
    }
    return parsed;
  }

  #tooLong(): void {
    this.#fail(new GatewayError("upstream_error", "Azure sent a stream event larger than the gateway accepts."));
  }

  #fail(error: GatewayError): void {
    this.#state = { kind: "failed", error };
    this.#text = "";
    this.#at = 0;
    this.#data = undefined;
    this.#carry = undefined;
  }
}

/** How many leading bytes of `bytes` are whole UTF-8 characters (all but a split last one). */
function completeUtf8Length(bytes: Uint8Array): number {
  const length = bytes.length;
  // The last character's lead byte is at most three continuation bytes (10xxxxxx) from the end.
  for (let i = length - 1; i >= 0 && i >= length - 4; i--) {
    const byte = bytes[i]!;
    if ((byte & 0xc0) === 0x80) continue;
    const size = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return i + size > length ? i : length;
  }
  // Only continuation bytes: not valid UTF-8 either way; the decoder replaces them.
  return length;
}
