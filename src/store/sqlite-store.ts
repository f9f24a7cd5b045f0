import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { keyLimitsFromJson, keyLimitsToJson } from "./key-limits-json.js";
import type { KeyRecord } from "./key-record.js";
import type { KeyStore, ListKeysOptions, StoredKey } from "./key-store.js";
import { MIGRATIONS } from "./migrations.js";
import { parseKeyRole, parseAllowedModels } from "./parse-key-columns.js";
import { SqliteLedgerWriter } from "./sqlite-ledger-writer.js";
import { runSqliteMigrations } from "./sqlite-migrations.js";
import { usageGroupFromRow, usageQuerySql } from "./usage-query-sql.js";
import type { LedgerStore, UsageGroup, UsageQuery, UsageRecord } from "./usage-record.js";

export interface SqliteStoreOptions {
  /**
   * How long a write waits for another connection's lock before failing with SQLITE_BUSY, in
   * milliseconds. Default 5000.
   */
  readonly busyTimeoutMs?: number;
  /** Used to stamp applied migrations, and to space the checks below. Default Date.now. */
  readonly clock?: () => number;
  /**
   * How often keyGeneration() looks for key changes by other connections to the same file (another
   * process), in milliseconds; changes through this store are seen at once. Default 250.
   */
  readonly otherWritersCheckMs?: number;
}

interface KeyRow {
  id: string;
  name: string;
  role: string;
  allowed_models: string;
  limits: string;
  secret_hash: Buffer;
  created_at_ms: number;
  revoked_at_ms: number | null;
  expires_at_ms: number | null;
  previous_secret_expires_at_ms: number | null;
}

interface MatchedKeyRow extends KeyRow {
  matched_hash: Buffer;
  matched: "current" | "previous";
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;
const DEFAULT_OTHER_WRITERS_CHECK_MS = 250;

/**
 * A count of the changes to gateway_keys by any connection, kept by triggers, for keyGeneration().
 * SQLite's own bookkeeping, as PostgreSQL's notifications are PostgresStore's, so it is not one of
 * the shared MIGRATIONS; made whenever the store opens, it also comes back if a later migration
 * rebuilds gateway_keys and drops its triggers.
 */
const KEY_CHANGES_SQL = `
  CREATE TABLE IF NOT EXISTS key_changes (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    count INTEGER NOT NULL
  );
  INSERT INTO key_changes (id, count) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
  CREATE TRIGGER IF NOT EXISTS gateway_keys_insert_counted AFTER INSERT ON gateway_keys
    BEGIN UPDATE key_changes SET count = count + 1; END;
  CREATE TRIGGER IF NOT EXISTS gateway_keys_update_counted AFTER UPDATE ON gateway_keys
    BEGIN UPDATE key_changes SET count = count + 1; END;
  CREATE TRIGGER IF NOT EXISTS gateway_keys_delete_counted AFTER DELETE ON gateway_keys
    BEGIN UPDATE key_changes SET count = count + 1; END;
`;

const KEY_COLUMNS =
  "id, name, role, allowed_models, limits, secret_hash, created_at_ms, revoked_at_ms, expires_at_ms, previous_secret_expires_at_ms";

const USAGE_COLUMNS = [
  "request_id",
  "started_at_ms",
  "key_id",
  "route",
  "endpoint",
  "deployment",
  "region",
  "model",
  "streamed",
  "status",
  "prompt_tokens",
  "cached_tokens",
  "completion_tokens",
  "reasoning_tokens",
  "usage_estimated",
  "cost_nano_usd",
  "latency_ms",
  "ttfb_ms",
  "attempts",
] as const;

/**
 * The default store: one SQLite file in WAL mode, so reads never wait for a writer.
 *
 * keyGeneration() follows this store's own key writes at once, and other connections' writes (a
 * second process on the same file) through the count that triggers keep of every change to
 * gateway_keys (KEY_CHANGES_SQL). Not through `PRAGMA data_version`, which every other connection's
 * commit changes: the ledger's own writer thread is such a connection, and under load it emptied
 * the verified-key cache at every check. On a WAL file the check takes the WAL's read lock, about
 * as dear as the key lookup a cache saves, so it runs at most every otherWritersCheckMs rather than
 * on every request.
 */
export class SqliteStore implements KeyStore, LedgerStore {
  readonly #db: Database.Database;
  readonly #clock: () => number;
  readonly #otherWritersCheckMs: number;
  readonly #keyChangeCount: Database.Statement<[], number>;
  #seenKeyChangeCount: number;
  #keyChangesCheckedAtMs: number;
  #keyGeneration = 0;
  readonly #insertKey: Database.Statement<[Record<string, unknown>]>;
  readonly #findByHash: Database.Statement<[{ hash: Buffer }], MatchedKeyRow>;
  readonly #getKey: Database.Statement<[string], KeyRow>;
  readonly #listActive: Database.Statement<[], KeyRow>;
  readonly #listAll: Database.Statement<[], KeyRow>;
  readonly #revoke: Database.Statement<[number, string]>;
  readonly #rotate: Database.Statement<[Record<string, unknown>]>;
  readonly #getSetting: Database.Statement<[string], string>;
  readonly #setSetting: Database.Statement<[string, string]>;
  readonly #insertSettingIfAbsent: Database.Statement<[string, string]>;
  readonly #insertUsage: Database.Statement<unknown[]>;
  readonly #insertUsageBatch: (records: readonly UsageRecord[]) => void;
  /** For a database file; an in-memory database has only this connection, so it writes here. */
  readonly #ledgerWriter: SqliteLedgerWriter | undefined;

  /** `path` is a file (parent directories are created) or ":memory:". */
  constructor(path: string, options: SqliteStoreOptions = {}) {
    if (isSharedFile(path)) {
      mkdirSync(dirname(path), { recursive: true });
    }
    const busyTimeoutMs = Math.max(0, Math.trunc(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS));
    const db = new Database(path);
    try {
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      // In-memory databases answer "memory" here; WAL only applies to files.
      db.pragma("journal_mode = WAL");
      // NORMAL is durable across application crashes in WAL mode and avoids an fsync per commit.
      db.pragma("synchronous = NORMAL");
      db.pragma("foreign_keys = ON");
      runSqliteMigrations(db, MIGRATIONS, options.clock ?? Date.now);
      db.transaction(() => db.exec(KEY_CHANGES_SQL)).immediate();
    } catch (error) {
      db.close();
      throw error;
    }
    this.#db = db;
    this.#clock = options.clock ?? Date.now;
    this.#otherWritersCheckMs = options.otherWritersCheckMs ?? DEFAULT_OTHER_WRITERS_CHECK_MS;
    this.#keyChangeCount = db.prepare("SELECT count FROM key_changes").pluck() as Database.Statement<[], number>;
    this.#seenKeyChangeCount = this.#keyChangeCount.get()!;
    this.#keyChangesCheckedAtMs = this.#clock();

    this.#insertKey = db.prepare(
      `INSERT INTO gateway_keys (id, name, role, allowed_models, limits, secret_hash, created_at_ms, revoked_at_ms, expires_at_ms)
       VALUES (@id, @name, @role, @allowed_models, @limits, @secret_hash, @created_at_ms, @revoked_at_ms, @expires_at_ms)`,
    );
    // Two indexed lookups rather than one OR, so each side is a plain unique-index probe.
    this.#findByHash = db.prepare(
      `SELECT ${KEY_COLUMNS}, secret_hash AS matched_hash, 'current' AS matched FROM gateway_keys WHERE secret_hash = @hash
       UNION ALL
       SELECT ${KEY_COLUMNS}, previous_secret_hash AS matched_hash, 'previous' AS matched FROM gateway_keys WHERE previous_secret_hash = @hash
       LIMIT 1`,
    );
    this.#getKey = db.prepare(`SELECT ${KEY_COLUMNS} FROM gateway_keys WHERE id = ?`);
    this.#listActive = db.prepare(
      `SELECT ${KEY_COLUMNS} FROM gateway_keys WHERE revoked_at_ms IS NULL ORDER BY created_at_ms, id`,
    );
    this.#listAll = db.prepare(`SELECT ${KEY_COLUMNS} FROM gateway_keys ORDER BY created_at_ms, id`);
    this.#revoke = db.prepare(
      "UPDATE gateway_keys SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL",
    );
    this.#rotate = db.prepare(
      `UPDATE gateway_keys SET
         previous_secret_hash = CASE WHEN @previous_expires_at_ms IS NULL THEN NULL ELSE secret_hash END,
         previous_secret_expires_at_ms = @previous_expires_at_ms,
         secret_hash = @new_hash
       WHERE id = @id AND revoked_at_ms IS NULL`,
    );
    this.#getSetting = db.prepare("SELECT value FROM settings WHERE name = ?").pluck() as
      Database.Statement<[string], string>;
    this.#setSetting = db.prepare(
      `INSERT INTO settings (name, value) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
    );
    this.#insertSettingIfAbsent = db.prepare(
      "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
    );
    const insertUsageSql = `INSERT INTO usage_records (${USAGE_COLUMNS.join(", ")})
       VALUES (${USAGE_COLUMNS.map(() => "?").join(", ")})
       ON CONFLICT (request_id) DO NOTHING`;
    this.#insertUsage = db.prepare(insertUsageSql);
    this.#insertUsageBatch = db.transaction((records: readonly UsageRecord[]) => {
      for (const record of records) this.#insertUsage.run(...usageValues(record));
    });
    this.#ledgerWriter = isSharedFile(path)
      ? new SqliteLedgerWriter({ path, busyTimeoutMs, insertSql: insertUsageSql })
      : undefined;
  }

  async insertKey(record: KeyRecord, secretHash: Uint8Array): Promise<void> {
    this.#insertKey.run({
      id: record.id,
      name: record.name,
      role: record.role,
      allowed_models: JSON.stringify(record.allowedModels),
      limits: keyLimitsToJson(record.limits),
      secret_hash: toBuffer(secretHash),
      created_at_ms: record.createdAtMs,
      revoked_at_ms: record.revokedAtMs ?? null,
      expires_at_ms: record.expiresAtMs ?? null,
    });
  }

  async findKeyBySecretHash(secretHash: Uint8Array): Promise<StoredKey | undefined> {
    const row = this.#findByHash.get({ hash: toBuffer(secretHash) });
    if (row === undefined) return undefined;
    return { record: rowToRecord(row), secretHash: new Uint8Array(row.matched_hash), matched: row.matched };
  }

  async getKey(id: string): Promise<KeyRecord | undefined> {
    const row = this.#getKey.get(id);
    return row === undefined ? undefined : rowToRecord(row);
  }

  async listKeys(options: ListKeysOptions = {}): Promise<KeyRecord[]> {
    const rows = (options.includeRevoked ?? false) ? this.#listAll.all() : this.#listActive.all();
    return rows.map(rowToRecord);
  }

  async revokeKey(id: string, revokedAtMs: number): Promise<KeyRecord | undefined> {
    if (this.#revoke.run(revokedAtMs, id).changes > 0) this.#keyGeneration += 1;
    return this.getKey(id);
  }

  async rotateKeySecret(
    id: string,
    newSecretHash: Uint8Array,
    previousSecretExpiresAtMs: number | undefined,
  ): Promise<KeyRecord | undefined> {
    const { changes } = this.#rotate.run({ id, new_hash: toBuffer(newSecretHash), previous_expires_at_ms: previousSecretExpiresAtMs ?? null });
    if (changes > 0) this.#keyGeneration += 1;
    return this.getKey(id);
  }

  async getSetting(name: string): Promise<string | undefined> {
    return this.#getSetting.get(name);
  }

  async setSetting(name: string, value: string): Promise<void> {
    this.#setSetting.run(name, value);
  }

  async setSettingIfAbsent(name: string, value: string): Promise<string> {
    this.#insertSettingIfAbsent.run(name, value);
    const stored = this.#getSetting.get(name);
    if (stored === undefined) throw new Error(`Setting '${name}' vanished while being written.`);
    return stored;
  }

  keyGeneration(): number {
    const nowMs = this.#clock();
    const sinceMs = nowMs - this.#keyChangesCheckedAtMs;
    // A clock that went back checks too, rather than waiting for it to catch up.
    if (sinceMs >= this.#otherWritersCheckMs || sinceMs < 0) {
      this.#keyChangesCheckedAtMs = nowMs;
      const count = this.#keyChangeCount.get()!;
      if (count !== this.#seenKeyChangeCount) {
        this.#seenKeyChangeCount = count;
        this.#keyGeneration += 1;
      }
    }
    return this.#keyGeneration;
  }

  async insertUsage(records: readonly UsageRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (this.#ledgerWriter === undefined) this.#insertUsageBatch(records);
    else await this.#ledgerWriter.write(records.map(usageValues));
  }

  async queryUsage(query: UsageQuery): Promise<UsageGroup[]> {
    const { text, values } = usageQuerySql(query, () => "?");
    // Safe integers: sums of nano-dollars pass 2^53 long before they pass int64.
    const rows = this.#db.prepare(text).safeIntegers(true).all(...values) as Record<string, unknown>[];
    return rows.map((row) => usageGroupFromRow(row, query));
  }

  async close(): Promise<void> {
    await this.#ledgerWriter?.close();
    if (this.#db.open) this.#db.close();
  }
}

/** A path another connection can open too: not an in-memory or temporary database, nor a URI. */
function isSharedFile(path: string): boolean {
  return path !== ":memory:" && path !== "" && !path.startsWith("file:");
}

function usageValues(record: UsageRecord): unknown[] {
  return [
    record.requestId,
    record.startedAtMs,
    record.keyId,
    record.route,
    record.endpoint,
    record.deployment,
    record.region,
    record.model,
    record.streamed ? 1 : 0,
    record.status,
    record.promptTokens,
    record.cachedTokens,
    record.completionTokens,
    record.reasoningTokens,
    record.usageEstimated ? 1 : 0,
    record.costNanoUsd,
    record.latencyMs,
    record.ttfbMs ?? null,
    record.attempts,
  ];
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function rowToRecord(row: KeyRow): KeyRecord {
  return {
    id: row.id,
    name: row.name,
    role: parseKeyRole(row.role),
    allowedModels: parseAllowedModels(row.allowed_models, row.id),
    limits: keyLimitsFromJson(row.limits, row.id),
    createdAtMs: row.created_at_ms,
    ...(row.revoked_at_ms !== null && { revokedAtMs: row.revoked_at_ms }),
    ...(row.expires_at_ms !== null && { expiresAtMs: row.expires_at_ms }),
    ...(row.previous_secret_expires_at_ms !== null && { previousSecretExpiresAtMs: row.previous_secret_expires_at_ms }),
  };
}
