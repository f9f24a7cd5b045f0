import { once } from "node:events";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

const require = createRequire(import.meta.url);

/** One ledger row, as the values of the insert's placeholders, in order. */
export type LedgerRowValues = readonly unknown[];

export interface SqliteLedgerWriterOptions {
  /** The database file; the store has created and migrated it. */
  readonly path: string;
  readonly busyTimeoutMs: number;
  /** An INSERT with one `?` per value of a row. */
  readonly insertSql: string;
}

/**
 * Writes ledger rows to a SQLite file from a worker thread, with a connection of its own.
 *
 * better-sqlite3 is synchronous: on the main thread a batch of rows, and the WAL checkpoint SQLite
 * runs after some commits, hold up every request for as long as they take (milliseconds per batch,
 * more when the disk is slow). Here the event loop only posts the rows and hears back.
 *
 * The worker is started on the first write and started again after it dies; a write it did not
 * confirm is rejected, so the ledger keeps those rows and tries again.
 */
export class SqliteLedgerWriter {
  readonly #options: SqliteLedgerWriterOptions;
  #worker: Worker | undefined;
  #nextWriteId = 0;
  readonly #pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  #closing: Promise<void> | undefined;
  /** Called when the last unconfirmed write is settled, while close() waits for that. */
  #onDrained: (() => void) | undefined;

  constructor(options: SqliteLedgerWriterOptions) {
    this.#options = options;
  }

  /** Resolves once the rows are committed, in one transaction. */
  write(rows: readonly LedgerRowValues[]): Promise<void> {
    if (this.#closing !== undefined) return Promise.reject(new Error("The ledger writer is closed."));
    const worker = this.#worker ?? this.#start();
    const id = this.#nextWriteId++;
    const done = new Promise<void>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    // Unreferenced while idle, so it never keeps the process alive; referenced while a write is
    // unconfirmed, so the process does not exit before hearing whether it landed.
    if (this.#pending.size === 1) worker.ref();
    worker.postMessage({ id, rows });
    return done;
  }

  /** Waits for the writes in progress, then stops the worker. Later writes are refused. */
  close(): Promise<void> {
    this.#closing ??= this.#drainAndStop();
    return this.#closing;
  }

  async #drainAndStop(): Promise<void> {
    if (this.#pending.size > 0) await new Promise<void>((resolve) => (this.#onDrained = resolve));
    const worker = this.#worker;
    if (worker === undefined) return;
    this.#worker = undefined;
    // Asked to stop rather than terminated: a terminated thread's connection can outlive it (at one
    // gateway shutdown the WAL and shared-memory files stayed behind, as they do while another
    // connection is open). Referenced, so the process waits for the thread.
    worker.ref();
    const exited = once(worker, "exit");
    worker.postMessage(STOP);
    await exited;
  }

  #start(): Worker {
    const { path, busyTimeoutMs, insertSql } = this.#options;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: require.resolve("better-sqlite3"), path, busyTimeoutMs, insertSql },
    });
    worker.unref();
    worker.on("message", (reply: WriteReply) => this.#settle(reply));
    // Its writes are failed once, by whichever of 'error' and 'exit' comes first; by then a newer
    // thread may hold writes of its own.
    const failAll = (error: Error): void => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      for (const [id, pending] of this.#pending) {
        this.#pending.delete(id);
        pending.reject(error);
      }
      this.#onDrained?.();
    };
    worker.on("error", failAll);
    worker.on("exit", (code) => failAll(new Error(`The ledger writer thread exited (code ${code}) before confirming a write.`)));
    this.#worker = worker;
    return worker;
  }

  #settle(reply: WriteReply): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (reply.error === undefined) pending.resolve();
    else pending.reject(new Error(`Writing the usage ledger failed: ${reply.error}`));
    if (this.#pending.size === 0) {
      this.#worker?.unref();
      this.#onDrained?.();
    }
  }
}

/** The message that asks the thread to close its connection and end. */
const STOP = null;

interface WriteReply {
  readonly id: number;
  readonly error?: string;
}

/**
 * The worker's program. Plain CommonJS passed as source: it runs the same way from the compiled
 * build and from the TypeScript sources the tests load, which a worker file would not.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma("busy_timeout = " + workerData.busyTimeoutMs);
db.pragma("synchronous = NORMAL");
const insert = db.prepare(workerData.insertSql);
const insertAll = db.transaction((rows) => {
  for (const row of rows) insert.run(row);
});
parentPort.on("message", (message) => {
  if (message === ${JSON.stringify(STOP)}) {
    db.close();
    parentPort.close();
    return;
  }
  const { id, rows } = message;
  try {
    insertAll(rows);
    parentPort.postMessage({ id });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;
