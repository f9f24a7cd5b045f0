import type { KeyStore } from "./key-store.js";
import { InProcessCounters } from "./in-process-counters.js";
import type { LimitCounters } from "./limit-counters.js";
import { PostgresStore } from "./postgres-store.js";
import { RedisCounters } from "./redis-counters.js";
import { SqliteStore } from "./sqlite-store.js";
import type { LedgerStore } from "./usage-record.js";

export interface StoreChoice {
  /** DATABASE_URL: PostgreSQL when set. */
  readonly databaseUrl: string | undefined;
  /** TENSORWALL_DB: the SQLite file otherwise. */
  readonly databasePath: string;
  readonly clock: () => number;
  /** Told of errors on idle PostgreSQL connections. */
  readonly onIdleError: (error: Error) => void;
}

/** The store for keys, settings and the ledger: PostgreSQL with DATABASE_URL, else SQLite. */
export async function openStore(choice: StoreChoice): Promise<KeyStore & LedgerStore> {
  if (choice.databaseUrl === undefined) return new SqliteStore(choice.databasePath, { clock: choice.clock });
  try {
    return await PostgresStore.open(choice.databaseUrl, { clock: choice.clock, onIdleError: choice.onIdleError });
  } catch (error) {
    throw new Error(`DATABASE_URL: could not open the PostgreSQL database: ${describe(error)}`, { cause: error });
  }
}

/** Rate-limit and budget counters: in Redis with REDIS_URL, else in this process. */
export async function openLimitCounters(redisUrl: string | undefined): Promise<LimitCounters> {
  if (redisUrl === undefined) return new InProcessCounters();
  try {
    return await RedisCounters.open(redisUrl);
  } catch (error) {
    throw new Error(`REDIS_URL: could not reach Redis: ${describe(error)}`, { cause: error });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
