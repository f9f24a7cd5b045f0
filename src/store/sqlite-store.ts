import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { KeyRecord, KeyRole } from "./key-record.js";
import type { KeyStore, ListKeysOptions, StoredKey } from "./key-store.js";
import { runSqliteMigrations, SQLITE_MIGRATIONS } from "./sqlite-migrations.js";

export interface SqliteStoreOptions {
  /**
   * How long a write waits for another connection's lock before failing with SQLITE_BUSY, in
   * milliseconds. Default 5000.
   */
  readonly busyTimeoutMs?: number;
  /** Used to stamp applied migrations. Default Date.now. */
  readonly clock?: () => number;
}

interface KeyRow {
  id: string;
  name: string;
  role: string;
  allowed_models: string;
  secret_hash: Buffer;
  created_at_ms: number;
  revoked_at_ms: number | null;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** The default KeyStore: one SQLite file in WAL mode, so reads never wait for a writer. */
export class SqliteStore implements KeyStore {
  readonly #db: Database.Database;
  readonly #insertKey: Database.Statement<[Record<string, unknown>]>;
  readonly #findByHash: Database.Statement<[Buffer], KeyRow>;
  readonly #getKey: Database.Statement<[string], KeyRow>;
  readonly #listActive: Database.Statement<[], KeyRow>;
  readonly #listAll: Database.Statement<[], KeyRow>;
  readonly #revoke: Database.Statement<[number, string]>;
  readonly #getSetting: Database.Statement<[string], string>;
  readonly #setSetting: Database.Statement<[string, string]>;
  readonly #insertSettingIfAbsent: Database.Statement<[string, string]>;

  /** `path` is a file (parent directories are created) or ":memory:". */
  constructor(path: string, options: SqliteStoreOptions = {}) {
    if (path !== ":memory:" && path !== "" && !path.startsWith("file:")) {
      mkdirSync(dirname(path), { recursive: true });
    }
    const db = new Database(path);
    try {
      const busyTimeoutMs = Math.max(0, Math.trunc(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS));
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      // In-memory databases answer "memory" here; WAL only applies to files.
      db.pragma("journal_mode = WAL");
      // NORMAL is durable across application crashes in WAL mode and avoids an fsync per commit.
      db.pragma("synchronous = NORMAL");
      db.pragma("foreign_keys = ON");
      runSqliteMigrations(db, SQLITE_MIGRATIONS, options.clock ?? Date.now);
    } catch (error) {
      db.close();
      throw error;
    }
    this.#db = db;

    const keyColumns =
      "id, name, role, allowed_models, secret_hash, created_at_ms, revoked_at_ms";
    this.#insertKey = db.prepare(
      `INSERT INTO gateway_keys (${keyColumns})
       VALUES (@id, @name, @role, @allowed_models, @secret_hash, @created_at_ms, @revoked_at_ms)`,
    );
    this.#findByHash = db.prepare(`SELECT ${keyColumns} FROM gateway_keys WHERE secret_hash = ?`);
    this.#getKey = db.prepare(`SELECT ${keyColumns} FROM gateway_keys WHERE id = ?`);
    this.#listActive = db.prepare(
      `SELECT ${keyColumns} FROM gateway_keys WHERE revoked_at_ms IS NULL ORDER BY created_at_ms, id`,
    );
    this.#listAll = db.prepare(
      `SELECT ${keyColumns} FROM gateway_keys ORDER BY created_at_ms, id`,
    );
    this.#revoke = db.prepare(
      "UPDATE gateway_keys SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL",
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
  }

  async insertKey(record: KeyRecord, secretHash: Uint8Array): Promise<void> {
    this.#insertKey.run({
      id: record.id,
      name: record.name,
      role: record.role,
      allowed_models: JSON.stringify(record.allowedModels),
      secret_hash: toBuffer(secretHash),
      created_at_ms: record.createdAtMs,
      revoked_at_ms: record.revokedAtMs ?? null,
    });
  }

  async findKeyBySecretHash(secretHash: Uint8Array): Promise<StoredKey | undefined> {
    const row = this.#findByHash.get(toBuffer(secretHash));
    if (row === undefined) return undefined;
    return { record: rowToRecord(row), secretHash: new Uint8Array(row.secret_hash) };
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
    this.#revoke.run(revokedAtMs, id);
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

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function rowToRecord(row: KeyRow): KeyRecord {
  const record: KeyRecord = {
    id: row.id,
    name: row.name,
    role: parseRole(row.role),
    allowedModels: parseAllowedModels(row.allowed_models, row.id),
    createdAtMs: row.created_at_ms,
  };
  return row.revoked_at_ms === null ? record : { ...record, revokedAtMs: row.revoked_at_ms };
}

function parseRole(role: string): KeyRole {
  if (role === "admin" || role === "client") return role;
  // The CHECK constraint makes this unreachable unless the file was edited by hand.
  throw new Error(`gateway_keys.role holds '${role}', expected 'admin' or 'client'.`);
}

function parseAllowedModels(json: string, id: string): string[] {
  const parsed: unknown = JSON.parse(json);
  if (Array.isArray(parsed) && parsed.every((m) => typeof m === "string")) return parsed;
  throw new Error(`gateway_keys.allowed_models of key '${id}' is not a JSON array of strings.`);
}
