import type { JsonObject } from "@bufbuild/protobuf";
import { toGatewayError, type GatewayError } from "../errors/index.js";
import { attemptFailure } from "./attempt-failure.js";
import type { AnsweredEnding } from "./pooled-deployment.js";
import type { RequestDeadline } from "./request-deadline.js";

export interface PooledStreamOptions {
  /** The chunk the pool read before it stopped failing over. */
  readonly first: IteratorResult<JsonObject>;
  /** The rest of Azure's stream. */
  readonly rest: AsyncIterator<JsonObject>;
  readonly deadline: RequestDeadline;
  /** Called once, however the stream ends (the consumer may never iterate at all). */
  readonly onEnd: (ending: AnsweredEnding) => void;
}

/**
 * Where the relay is: the peeked chunk still to hand out, reading Azure's stream (with or without a
 * read in progress), or over; an end forced by the caller leaving or the deadline keeps its error
 * for the next read, so a consumer never mistakes it for a complete answer.
 */
type RelayState =
  | { readonly kind: "peeked"; readonly first: IteratorResult<JsonObject> }
  | { readonly kind: "streaming"; readonly reading: boolean }
  | { readonly kind: "ended"; readonly error: GatewayError | undefined };

const DONE: IteratorResult<JsonObject> = { done: true, value: undefined };
const READING: RelayState = { kind: "streaming", reading: true };
const BETWEEN_READS: RelayState = { kind: "streaming", reading: false };
const ENDED: RelayState = { kind: "ended", error: undefined };

/**
 * A stream past its first chunk, on one deployment: no failover any more. It hands out the peeked
 * chunk, then Azure's. A failure ends it with an error (a stall is upstream_timeout, the deadline
 * passing too), which both doors turn into a clean error event. The deployment learns how the
 * stream ended once: completed, broken by Azure, or abandoned (caller gone, deadline, filter).
 *
 * Hand-written rather than an async function or generator: a read is one `then` on Azure's, with
 * no promise or state object of its own, and an open stream holds nothing it no longer needs.
 */
export class PooledStream implements AsyncIterableIterator<JsonObject> {
  readonly #rest: AsyncIterator<JsonObject>;
  readonly #deadline: RequestDeadline;
  readonly #onEnd: (ending: AnsweredEnding) => void;
  readonly #onAbort = (): void => this.#stopped();
  readonly #onRead = (next: IteratorResult<JsonObject>): IteratorResult<JsonObject> => {
    if (next.done === true) this.#end("completed", undefined);
    else if (this.#state === READING) this.#state = BETWEEN_READS;
    return next;
  };
  readonly #onFailure = (thrown: unknown): never => {
    const error = this.#explain(thrown);
    this.#end(blamesDeployment(error) ? "broken" : "abandoned", undefined);
    throw error;
  };
  #state: RelayState;

  constructor(options: PooledStreamOptions) {
    this.#state = { kind: "peeked", first: options.first };
    this.#rest = options.rest;
    this.#deadline = options.deadline;
    this.#onEnd = options.onEnd;
    if (this.#deadline.signal.aborted) this.#stopped();
    else this.#deadline.signal.addEventListener("abort", this.#onAbort);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<JsonObject>> {
    const state = this.#state;
    if (state.kind === "ended") {
      if (state.error === undefined) return Promise.resolve(DONE);
      this.#state = ENDED;
      return Promise.reject(state.error);
    }
    if (state.kind === "peeked") {
      this.#state = BETWEEN_READS;
      if (state.first.done === true) this.#end("completed", undefined);
      return Promise.resolve(state.first);
    }
    this.#state = READING;
    return this.#rest.next().then(this.#onRead, this.#onFailure);
  }

  /** The consumer stopped early: the rest of the answer is not wanted. */
  async return(): Promise<IteratorResult<JsonObject>> {
    if (this.#state.kind !== "ended") {
      this.#end("abandoned", undefined);
      void this.#rest.return?.();
    }
    return DONE;
  }

  /**
   * The caller left or the deadline passed. A read in progress fails by itself (Azure's request
   * shares the signal); otherwise the stream ends here, and the next read reports why.
   */
  #stopped(): void {
    const state = this.#state;
    if (state.kind === "ended" || state === READING) return;
    this.#end("abandoned", this.#deadline.stopError(undefined));
    void this.#rest.return?.();
  }

  #explain(thrown: unknown): GatewayError {
    const error = toGatewayError(thrown);
    // Azure's client reports our own abort as a cancellation; when it was the deadline, say so.
    if (error.code === "request_canceled" && this.#deadline.signal.aborted) return this.#deadline.stopError(undefined);
    return error;
  }

  #end(ending: AnsweredEnding, error: GatewayError | undefined): void {
    if (this.#state.kind === "ended") return;
    this.#state = error === undefined ? ENDED : { kind: "ended", error };
    this.#deadline.signal.removeEventListener("abort", this.#onAbort);
    this.#deadline.dispose();
    this.#onEnd(ending);
  }
}

function blamesDeployment(error: GatewayError): boolean {
  const kind = attemptFailure(error).kind;
  return kind === "failed" || kind === "misconfigured" || kind === "rate_limited";
}
