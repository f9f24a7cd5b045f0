import { writeSync } from "node:fs";

/** Where a LineBatch hands its batches: pino's SonicBoom destination, or a test's stand-in. */
export interface BatchSink {
  write(chunk: string): unknown;
  /** Calls `done` once everything written so far has reached the file descriptor. */
  flush(done: (error?: Error) => void): void;
  flushSync(): void;
}

/**
 * Log lines joined into one string per batch before they reach SonicBoom.
 *
 * SonicBoom appends each write to the string it has pending, then measures that string's UTF-8
 * length, which makes V8 flatten it: with a batch of a few kilobytes, every line copied the whole
 * batch so far (about 7 KB of garbage per request line, measured).
 */
export class LineBatch {
  readonly #sink: BatchSink;
  readonly #minChars: number;
  readonly #fd: number;
  #lines: string[] = [];
  #chars = 0;

  /**
   * Lines are handed over once they reach `minChars` characters, or when flushed; `fd` is the
   * sink's file descriptor, which flushSync() writes to directly.
   */
  constructor(sink: BatchSink, options: { readonly minChars: number; readonly fd: number }) {
    this.#sink = sink;
    this.#minChars = options.minChars;
    this.#fd = options.fd;
  }

  write(line: string): void {
    this.#lines.push(line);
    this.#chars += line.length;
    if (this.#chars >= this.#minChars) this.handOver();
  }

  /** Hands over what is gathered; with `done`, calls it once that has been written. */
  flush(done?: (error?: Error) => void): void {
    this.handOver();
    if (done !== undefined) this.#sink.flush(done);
  }

  /**
   * Writes what the sink holds and then what is gathered, before returning: for the moment the
   * process exits. Not through the sink's write(), which would start an asynchronous write that
   * the exiting process never finishes.
   */
  flushSync(): void {
    const rest = this.#take();
    this.#sink.flushSync();
    if (rest !== undefined) writeSync(this.#fd, rest);
  }

  handOver(): void {
    const batch = this.#take();
    if (batch !== undefined) this.#sink.write(batch);
  }

  #take(): string | undefined {
    if (this.#lines.length === 0) return undefined;
    const batch = this.#lines.join("");
    this.#lines = [];
    this.#chars = 0;
    return batch;
  }
}
