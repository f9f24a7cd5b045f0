export { InProcessCounters } from "./in-process-counters.js";
export type { BudgetPeriod, KeyBudget, KeyLimits, KeyRecord, KeyRole } from "./key-record.js";
export type { KeyStore, ListKeysOptions, StoredKey } from "./key-store.js";
export {
  RATE_WINDOW_MS,
  type AdmissionInput,
  type AdmissionOutcome,
  type BudgetAdmission,
  type LimitCounters,
  type SettleInput,
  type WindowState,
} from "./limit-counters.js";
export { MIGRATIONS, type Migration } from "./migrations.js";
export { openLimitCounters, openStore, type StoreChoice } from "./open-store.js";
export { PostgresStore, type PostgresStoreOptions } from "./postgres-store.js";
export { RedisCounters, type RedisCountersOptions } from "./redis-counters.js";
export { runSqliteMigrations } from "./sqlite-migrations.js";
export { SqliteStore, type SqliteStoreOptions } from "./sqlite-store.js";
export type {
  LedgerStore,
  UsageBucket,
  UsageDimension,
  UsageGroup,
  UsageQuery,
  UsageRecord,
  UsageTotals,
} from "./usage-record.js";
