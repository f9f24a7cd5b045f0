export type { KeyRecord, KeyRole } from "./key-record.js";
export type { KeyStore, ListKeysOptions, StoredKey } from "./key-store.js";
export { SqliteStore, type SqliteStoreOptions } from "./sqlite-store.js";
export { runSqliteMigrations, SQLITE_MIGRATIONS, type SqliteMigration } from "./sqlite-migrations.js";
