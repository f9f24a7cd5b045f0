import type { LedgerStore, UsageRecord } from "../store/index.js";

export interface UsageLedgerOptions {
  readonly store: LedgerStore;
  /** How often pending records are written, in milliseconds. Default 1000. */
  readonly flushIntervalMs?: number;
  /** Records per write; reaching it also starts a write early. Default 500. */
  readonly batchSize?: number;
  /**
   * Most records held while the store is failing; beyond it the oldest are dropped (and reported),
   * so an outage cannot exhaust memory. Default 100 000.
   */
  readonly maxPending?: number;
  /** Told when a write fails (the records are kept and retried) or records are dropped. */
  readonly onError: (error: unknown) => void;
}

/**
 * Collects usage records and writes them in batches, off the request path: record() only appends
 * to memory. close() writes whatever is pending, so a graceful shutdown loses nothing.
 */
export class UsageLedger {
  readonly #store: LedgerStore;
  readonly #batchSize: number;
  readonly #maxPending: number;
  readonly #onError: (error: unknown) => void;
  readonly #timer: NodeJS.Timeout;
  #pending: UsageRecord[] = [];
  /** The store operation in progress; the next queues behind it so records are written once, in order. */
  #writing: Promise<void> = Promise.resolve();
  #earlyWriteScheduled = false;

  constructor(options: UsageLedgerOptions) {
    this.#store = options.store;
    this.#batchSize = Math.max(1, options.batchSize ?? 500);
    this.#maxPending = Math.max(this.#batchSize, options.maxPending ?? 100_000);
    this.#onError = options.onError;
    this.#timer = setInterval(() => void this.flush().catch(this.#onError), options.flushIntervalMs ?? 1000);
    // The ledger never keeps the process alive; close() is what writes the last records.
    this.#timer.unref();
  }

  record(record: UsageRecord): void {
    this.#pending.push(record);
    this.#dropBeyondLimit();
    if (this.#pending.length >= this.#batchSize && !this.#earlyWriteScheduled) {
      this.#earlyWriteScheduled = true;
      setImmediate(() => {
        this.#earlyWriteScheduled = false;
        // Whole batches only: the rest waits for the next full batch or the interval.
        this.#queue(() => this.#writeFirst(this.#pending.length - (this.#pending.length % this.#batchSize))).catch(this.#onError);
      });
    }
  }

  /**
   * Cost of a key's requests that started in [startMs, endMs): what the store holds plus what is
   * still waiting to be written.
   */
  costBetween(keyId: string, startMs: number, endMs: number): Promise<bigint> {
    // Queued like a write, so no batch is between memory and the store while this reads both.
    return this.#queue(async () => {
      const [stored] = await this.#store.queryUsage({
        keyIds: [keyId],
        routes: [],
        deployments: [],
        models: [],
        startMs,
        endMs,
        groupBy: [],
      });
      let cost = stored?.totals.costNanoUsd ?? 0n;
      for (const record of this.#pending) {
        if (record.keyId === keyId && record.startedAtMs >= startMs && record.startedAtMs < endMs) {
          cost += record.costNanoUsd;
        }
      }
      return cost;
    });
  }

  /**
   * Writes everything recorded so far, though not what is recorded while it writes. Rejects if the
   * store fails; the records stay pending.
   */
  flush(): Promise<void> {
    return this.#queue(() => this.#writeFirst(this.#pending.length));
  }

  /** Stops the timer and writes what is pending, including what is recorded meanwhile. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    do await this.flush();
    while (this.#pending.length > 0);
  }

  #queue<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#writing.then(work);
    // A failed step must not poison the queue for the next one.
    this.#writing = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /**
   * Writes the first `count` pending records, in batches. Not the records that arrive meanwhile:
   * under load a few dozen arrive while one batch is written, and chasing them made every write that
   * small (about 25 rows a transaction at 9,000 requests a second, each rewriting the same partly
   * filled SQLite pages).
   */
  async #writeFirst(count: number): Promise<void> {
    let left = count;
    while (left > 0 && this.#pending.length > 0) {
      const batch = this.#pending.splice(0, Math.min(this.#batchSize, left));
      left -= batch.length;
      try {
        await this.#store.insertUsage(batch);
      } catch (error) {
        // Back to the front, so the next flush retries them first and order is kept.
        this.#pending.unshift(...batch);
        this.#dropBeyondLimit();
        throw error;
      }
    }
  }

  #dropBeyondLimit(): void {
    if (this.#pending.length <= this.#maxPending) return;
    const dropped = this.#pending.splice(0, this.#pending.length - this.#maxPending);
    this.#onError(new Error(`The usage ledger dropped ${dropped.length} records: the store has been failing.`));
  }
}
