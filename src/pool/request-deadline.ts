import { GatewayError } from "../errors/index.js";

/**
 * The one deadline a request keeps across all its attempts and waits: the caller's, or the route's
 * when that is sooner. `signal` fires when the caller goes away or the deadline passes; dispose()
 * once the request is over.
 */
export class RequestDeadline {
  /** On the pool's clock. */
  readonly atMs: number;
  readonly signal: AbortSignal;
  readonly #caller: AbortSignal;
  readonly #expiry = new AbortController();
  readonly #timer: NodeJS.Timeout;

  constructor(caller: AbortSignal, timeoutMs: number, nowMs: number) {
    this.atMs = nowMs + timeoutMs;
    this.#caller = caller;
    this.signal = AbortSignal.any([caller, this.#expiry.signal]);
    this.#timer = setTimeout(() => this.#expiry.abort(), timeoutMs).unref();
  }

  /** Whether the caller left or time is up (by the timer, or by the pool's clock). */
  stopped(nowMs: number): boolean {
    return this.signal.aborted || nowMs >= this.atMs;
  }

  /**
   * The error for a request stopped by the caller or by the deadline: the caller hears that it
   * canceled; a deadline reports the last deployment's error when there is one, else a timeout.
   */
  stopError(lastError: GatewayError | undefined): GatewayError {
    if (this.#caller.aborted) return new GatewayError("request_canceled", undefined, { cause: this.#caller.reason });
    return lastError ?? this.timeoutError();
  }

  timeoutError(): GatewayError {
    return new GatewayError("upstream_timeout", "The request's deadline passed before Azure OpenAI finished answering.");
  }

  dispose(): void {
    clearTimeout(this.#timer);
  }
}
