import CircuitBreaker from "opossum";
import { EventEmitter } from "node:events";

/** Requests and failures counted inside the window. */
export interface WindowCounts {
  readonly requests: number;
  readonly failures: number;
}

// opossum's Status counts through increment(), which @types/opossum leaves out.
interface CountingStatus extends CircuitBreaker.Status {
  increment(property: "fires" | "successes" | "failures"): void;
}

/**
 * The outcomes of the last `windowMs`, counted in opossum's rolling-window Status. opossum rotates
 * its buckets on a real interval timer unless given a `rotateBucketController`; we give it one and
 * rotate from an injected clock, so the window follows the same time as everything else (and tests
 * never sleep). Reading never rotates: counts are derived from the buckets still inside the window.
 */
export class RollingWindow {
  readonly #bucketMs: number;
  readonly #bucketCount: number;
  readonly #rotate = new EventEmitter();
  readonly #status: CountingStatus;
  /** When the newest bucket began. */
  #bucketStartMs: number;

  constructor(windowMs: number, nowMs: number, bucketCount = 10) {
    this.#bucketCount = bucketCount;
    this.#bucketMs = windowMs / bucketCount;
    this.#status = CircuitBreaker.newStatus({
      rollingCountTimeout: windowMs,
      rollingCountBuckets: bucketCount,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      rotateBucketController: this.#rotate,
    }) as CountingStatus;
    this.#bucketStartMs = nowMs;
  }

  record(outcome: "success" | "failure", nowMs: number): void {
    const elapsed = this.#elapsedBuckets(nowMs);
    for (let i = 0; i < elapsed; i++) this.#rotate.emit("rotate");
    // After a whole window of silence every bucket is fresh, so the newest may as well start now.
    this.#bucketStartMs = elapsed === this.#bucketCount ? nowMs : this.#bucketStartMs + elapsed * this.#bucketMs;
    this.#status.increment("fires");
    this.#status.increment(outcome === "success" ? "successes" : "failures");
  }

  counts(nowMs: number): WindowCounts {
    const live = this.#status.window.slice(0, this.#bucketCount - this.#elapsedBuckets(nowMs));
    return {
      requests: live.reduce((sum, bucket) => sum + bucket.fires, 0),
      failures: live.reduce((sum, bucket) => sum + bucket.failures, 0),
    };
  }

  /** Buckets that ended since the newest began, at most all of them (a clock going back counts 0). */
  #elapsedBuckets(nowMs: number): number {
    const elapsed = Math.floor((nowMs - this.#bucketStartMs) / this.#bucketMs);
    return Math.min(Math.max(elapsed, 0), this.#bucketCount);
  }
}
