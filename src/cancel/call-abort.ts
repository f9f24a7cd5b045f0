import type { CancelSignal } from "./cancel-signal.js";

/**
 * A call's abort controller and its signal in one object, for the path every request takes.
 *
 * On Node 20 an AbortSignal is an EventTarget whose making re-prototypes a fresh object: making
 * one and adding and removing one listener cost about 8 µs here, more than a request spends in
 * the pool. A CallAbort is a plain object with a listener list. APIs that want a real AbortSignal
 * (timers, @azure/identity, undici's streamed requests) get one from `toAbortSignal`, made on
 * first use and aborted with this one.
 */
export class CallAbort implements CancelSignal {
  #aborted = false;
  #reason: unknown;
  #listeners: (() => void)[] | undefined;
  #controller: AbortController | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /**
   * Fires the listeners, once; later calls do nothing. Without a reason, the reason is the
   * DOMException AbortController.abort() gives.
   */
  abort(reason?: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason === undefined ? new DOMException("This operation was aborted", "AbortError") : reason;
    this.#controller?.abort(this.#reason);
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners !== undefined) for (const listener of listeners) listener();
  }

  addEventListener(_type: "abort", listener: () => void): void {
    if (this.#aborted) return;
    (this.#listeners ??= []).push(listener);
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    const listeners = this.#listeners;
    if (listeners === undefined) return;
    const at = listeners.lastIndexOf(listener);
    if (at !== -1) listeners.splice(at, 1);
  }

  /** An AbortSignal that fires with this one (already fired if this has). */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }
}

/** `signal` as an AbortSignal: itself if it is one, else one that fires with it. */
export function toAbortSignal(signal: CancelSignal): AbortSignal {
  return signal instanceof CallAbort ? signal.signal : (signal as AbortSignal);
}
