import pg from "pg";

/** The channel key writes notify on; the payload is the writer's schema. */
export const KEY_CHANGES_CHANNEL = "tensorwall_key_changes";

/**
 * SQL that notifies KEY_CHANGES_CHANNEL once for the rows a data-modifying CTE named `changed`
 * returns. It runs in the writer's statement, so the notification is sent if and only if the
 * change commits. Channels are database-wide; the schema in the payload keeps deployments that
 * share a database in different schemas from invalidating each other's caches.
 */
export const NOTIFY_CHANGED_KEYS = `SELECT pg_notify('${KEY_CHANGES_CHANNEL}', coalesce(current_schema(), '')) FROM changed`;

export interface PostgresKeyChangesOptions {
  /** Wait before reconnecting after the listening connection failed, in ms. Default 1000. */
  readonly reconnectDelayMs?: number;
  /** Told why the listening connection failed; it reconnects by itself. */
  readonly onError?: (error: Error) => void;
}

type ListenState =
  | { readonly kind: "connecting"; readonly client: pg.Client }
  | { readonly kind: "listening"; readonly client: pg.Client }
  | { readonly kind: "waiting"; readonly timer: NodeJS.Timeout }
  | { readonly kind: "closed" };

const DEFAULT_RECONNECT_DELAY_MS = 1000;

/**
 * Follows key changes made by any replica through LISTEN/NOTIFY on one dedicated connection, for
 * PostgresStore.keyGeneration(). While the connection is down the generation is undefined, so
 * nothing is cached and every request asks the database, as it would without a cache; once it is
 * back the generation moves on, since changes may have been missed meanwhile.
 *
 * How late another replica hears of a revocation: PostgreSQL signals listeners as the change
 * commits, before the revoking replica is even told that its statement succeeded, so the
 * notification normally arrives (within a millisecond on one network) long before any request
 * the revoker's answer could prompt. That is not a guarantee: a listening connection that dies
 * silently is caught by TCP keep-alive, and KeyRegistry's cache age bounds the rest.
 */
export class PostgresKeyChanges {
  readonly #connectionString: string;
  readonly #reconnectDelayMs: number;
  readonly #onError: (error: Error) => void;
  #state: ListenState;
  #generation = 0;

  private constructor(connectionString: string, options: PostgresKeyChangesOptions) {
    this.#connectionString = connectionString;
    this.#reconnectDelayMs = options.reconnectDelayMs ?? DEFAULT_RECONNECT_DELAY_MS;
    this.#onError = options.onError ?? (() => {});
    this.#state = this.#connecting();
  }

  /** Resolves once the first attempt to listen succeeded or failed; a failure retries later. */
  static async start(connectionString: string, options: PostgresKeyChangesOptions = {}): Promise<PostgresKeyChanges> {
    const changes = new PostgresKeyChanges(connectionString, options);
    await changes.#listen();
    return changes;
  }

  /** Undefined while not listening. */
  generation(): number | undefined {
    return this.#state.kind === "listening" ? this.#generation : undefined;
  }

  /** A change made through this process: seen at once, without waiting for its notification. */
  changedHere(): void {
    this.#generation += 1;
  }

  async close(): Promise<void> {
    const state = this.#state;
    this.#state = { kind: "closed" };
    if (state.kind === "waiting") clearTimeout(state.timer);
    if (state.kind === "connecting" || state.kind === "listening") await state.client.end().catch(() => undefined);
  }

  #connecting(): ListenState {
    const client = new pg.Client({ connectionString: this.#connectionString, keepAlive: true });
    // Attached before connecting: an error event without a listener would crash the process.
    client.on("error", (error) => this.#lost(client, error));
    client.on("end", () => this.#lost(client, new Error("The connection that follows key changes closed.")));
    return { kind: "connecting", client };
  }

  async #listen(): Promise<void> {
    const state = this.#state;
    if (state.kind !== "connecting") return;
    const { client } = state;
    try {
      await client.connect();
      const { rows } = await client.query<{ schema: string | null }>("SELECT current_schema() AS schema");
      const schema = rows[0]?.schema ?? "";
      client.on("notification", (message) => {
        if (message.channel === KEY_CHANGES_CHANNEL && message.payload === schema) this.#generation += 1;
      });
      await client.query(`LISTEN ${KEY_CHANGES_CHANNEL}`);
    } catch (error) {
      this.#lost(client, error instanceof Error ? error : new Error(String(error)));
      return;
    }
    // Closed (or lost) while connecting.
    if (this.#state !== state) return;
    this.#generation += 1;
    this.#state = { kind: "listening", client };
  }

  /** Ends a failed connection (once, whichever of its events came first) and plans the next. */
  #lost(client: pg.Client, error: Error): void {
    const state = this.#state;
    if ((state.kind !== "connecting" && state.kind !== "listening") || state.client !== client) return;
    this.#onError(error);
    client.removeAllListeners("notification");
    void client.end().catch(() => undefined);
    const timer = setTimeout(() => {
      this.#state = this.#connecting();
      void this.#listen();
    }, this.#reconnectDelayMs);
    timer.unref();
    this.#state = { kind: "waiting", timer };
  }
}
