import type { Dispatcher } from "undici";
import type { CancelSignal } from "../cancel/index.js";
import type { RequestPhase } from "./network-error.js";
import type { ResponseHeaders } from "./response-headers.js";

/** A response read whole. `body` is undefined when a non-2xx body could not be read. */
export interface WholeResponse {
  readonly statusCode: number;
  readonly headers: ResponseHeaders;
  readonly body: Buffer | undefined;
}

export interface WholeResponseOptions {
  /** Aborts the request, which then rejects with the signal's reason. */
  readonly signal: CancelSignal;
  /** Largest 2xx body, declared or sent: past it, the request is aborted and rejects with `tooLarge()`. */
  readonly maxBytes: number;
  /** Largest body of any other status; past it, the rest is not read and the body is undefined. */
  readonly maxErrorBytes: number;
  readonly tooLarge: () => Error;
  /** Told the status and headers the moment they arrive. */
  readonly onResponseStart: (statusCode: number, headers: ResponseHeaders) => void;
}

/** Why a request failed, and whether it had got as far as the response. */
export class WholeResponseFailure {
  constructor(
    readonly cause: unknown,
    readonly phase: RequestPhase,
  ) {}
}

/**
 * Sends one request through undici's dispatch API and reads the response into one Buffer.
 *
 * For an answer read whole and at once (a completion, an error body), undici's request() is more
 * than it needs: it builds a Readable stream for the body and an async resource per request, and
 * wakes a stream's machinery for every piece. Rejects with a WholeResponseFailure.
 */
export function requestWhole(dispatcher: Dispatcher, request: Dispatcher.DispatchOptions, options: WholeResponseOptions): Promise<WholeResponse> {
  return new Promise((resolve, reject) => {
    const handler = new WholeResponseHandler(options, resolve, reject);
    try {
      dispatcher.dispatch(request, handler);
    } catch (error) {
      handler.onResponseError(undefined, error as Error);
    }
  });
}

class WholeResponseHandler implements Dispatcher.DispatchHandler {
  readonly #options: WholeResponseOptions;
  readonly #resolve: (response: WholeResponse) => void;
  readonly #reject: (failure: WholeResponseFailure) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #statusCode = 0;
  #headers: ResponseHeaders = {};
  #limit = 0;
  #pieces: Buffer[] = [];
  #size = 0;
  #settled = false;
  readonly #onAbort = (): void => {
    this.#controller?.abort(this.#options.signal.reason as Error);
  };

  constructor(options: WholeResponseOptions, resolve: (response: WholeResponse) => void, reject: (failure: WholeResponseFailure) => void) {
    this.#options = options;
    this.#resolve = resolve;
    this.#reject = reject;
    options.signal.addEventListener("abort", this.#onAbort);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#options.signal.aborted) controller.abort(this.#options.signal.reason as Error);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: ResponseHeaders): void {
    // 1xx answers are followed by the real one.
    if (statusCode < 200) return;
    this.#statusCode = statusCode;
    this.#headers = headers;
    const ok = statusCode <= 299;
    this.#limit = ok ? this.#options.maxBytes : this.#options.maxErrorBytes;
    this.#options.onResponseStart(statusCode, headers);
    const declared = Number(headers["content-length"]);
    if (Number.isSafeInteger(declared) && declared > this.#limit) this.#overLimit(controller);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    this.#size += chunk.byteLength;
    if (this.#size > this.#limit) {
      this.#overLimit(controller);
      return;
    }
    this.#pieces.push(chunk);
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    const pieces = this.#pieces;
    this.#settle();
    this.#resolve({
      statusCode: this.#statusCode,
      headers: this.#headers,
      body: pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, this.#size),
    });
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    if (this.#settled) return;
    this.#settle();
    if (this.#statusCode === 0) {
      this.#reject(new WholeResponseFailure(error, "awaiting_response"));
    } else if (this.#statusCode <= 299 || this.#options.signal.aborted) {
      this.#reject(new WholeResponseFailure(error, "reading_body"));
    } else {
      // The status alone says enough.
      this.#resolve({ statusCode: this.#statusCode, headers: this.#headers, body: undefined });
    }
  }

  /** Stops reading; onResponseError then fails a 2xx answer and settles another for its status alone. */
  #overLimit(controller: Dispatcher.DispatchController): void {
    controller.abort(this.#options.tooLarge());
  }

  #settle(): void {
    this.#settled = true;
    this.#pieces = [];
    this.#options.signal.removeEventListener("abort", this.#onAbort);
  }
}
