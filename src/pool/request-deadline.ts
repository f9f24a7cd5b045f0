import { GatewayError } from "../errors/index.js";

/**
 * The one deadline a request keeps across all its attempts and waits: the caller's, or the route's
 * when that is sooner. `signal` fires when the caller goes away or the deadline passes; dispose()
 * once the request is over.
 *
 * One AbortController, aborted by a listener on the caller's signal and by one timer, rather than
 * AbortSignal.any: on Node 20 that costs tens of microseconds per request (it tracks its sources
 * through weak references). A caller that lends its own controller (UpstreamCall.controller) saves
 * even that: making an AbortSignal alone costs several microseconds on Node 20.
 */
export class RequestDeadline {
  /** On the pool's clock. */
  readonly atMs: number;
  readonly signal: AbortSignal;
  readonly #caller: AbortSignal;
  readonly #controller: AbortController;
  readonly #lent: boolean;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #onCallerAbort = (): void => this.#controller.abort(this.#caller.reason);
  /** The timer stopped the request (before the caller left). */
  #expired = false;

  /**
   * `lent`: the controller behind `caller`, when the caller lends it for this request alone. The
   * deadline then aborts it itself when time is up, with the timeout error as its reason.
   */
  constructor(caller: AbortSignal, timeoutMs: number, nowMs: number, lent?: AbortController) {
    this.atMs = nowMs + timeoutMs;
    this.#caller = caller;
    this.#lent = lent !== undefined && lent.signal === caller;
    this.#controller = this.#lent ? lent! : new AbortController();
    this.signal = this.#controller.signal;
    if (caller.aborted) {
      if (!this.#lent) this.#controller.abort(caller.reason);
      return;
    }
    if (!this.#lent) caller.addEventListener("abort", this.#onCallerAbort);
    this.#timer = setTimeout(() => this.#expire(), timeoutMs);
    this.#timer.unref();
  }

  /** Whether the caller left or time is up (by the timer, or by the pool's clock). */
  stopped(nowMs: number): boolean {
    return this.signal.aborted || nowMs >= this.atMs;
  }

  /**
   * The error for a request stopped by the caller or by the deadline, whichever came first: the
   * caller hears that it canceled; a deadline reports the last deployment's error when there is
   * one, else a timeout.
   */
  stopError(lastError: GatewayError | undefined): GatewayError {
    if (this.#caller.aborted && !this.#expired) {
      return new GatewayError("request_canceled", undefined, { cause: this.#caller.reason });
    }
    return lastError ?? this.timeoutError();
  }

  timeoutError(): GatewayError {
    return new GatewayError("upstream_timeout", "The request's deadline passed before Azure OpenAI finished answering.");
  }

  /** Stops the timer and lets go of the caller's signal; the request's signal stays as it is. */
  dispose(): void {
    clearTimeout(this.#timer);
    if (!this.#lent) this.#caller.removeEventListener("abort", this.#onCallerAbort);
  }

  #expire(): void {
    if (this.signal.aborted) return;
    this.#expired = true;
    this.#controller.abort(this.timeoutError());
  }
}
