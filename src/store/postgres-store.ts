import pg from "pg";
import { keyLimitsFromJson, keyLimitsToJson } from "./key-limits-json.js";
import type { KeyRecord } from "./key-record.js";
import type { KeyStore, ListKeysOptions, StoredKey } from "./key-store.js";
import { MIGRATIONS } from "./migrations.js";
import { parseAllowedModels, parseKeyRole } from "./parse-key-columns.js";
import { PostgresKeyChanges, NOTIFY_CHANGED_KEYS } from "./postgres-key-changes.js";
import { runPostgresMigrations } from "./postgres-migrations.js";
import { usageGroupFromRow, usageQuerySql } from "./usage-query-sql.js";
import type { LedgerStore, UsageGroup, UsageQuery, UsageRecord } from "./usage-record.js";

export interface PostgresStoreOptions {
  /** Most connections open at once. Default 10. */
  readonly maxConnections?: number;
  /** Used to stamp applied migrations. Default Date.now. */
  readonly clock?: () => number;
  /**
   * Told of errors on idle pooled connections (a restarted server, say), which the pool replaces,
   * and on the connection that follows key changes, which reconnects.
   */
  readonly onIdleError?: (error: Error) => void;
}

interface KeyRow {
  id: string;
  name: string;
  role: string;
  allowed_models: string;
  limits: string;
  created_at_ms: string;
  revoked_at_ms: string | null;
  expires_at_ms: string | null;
  previous_secret_expires_at_ms: string | null;
}

interface MatchedKeyRow extends KeyRow {
  matched_hash: Buffer;
  matched: "current" | "previous";
}

const KEY_COLUMNS =
  "id, name, role, allowed_models, limits, created_at_ms, revoked_at_ms, expires_at_ms, previous_secret_expires_at_ms";

// Named statements are parsed once per connection; the hot path (key lookup) is one of them.
const FIND_BY_HASH = {
  name: "tensorwall_find_key_by_hash",
  text: `SELECT ${KEY_COLUMNS}, secret_hash AS matched_hash, 'current' AS matched FROM gateway_keys WHERE secret_hash = $1
         UNION ALL
         SELECT ${KEY_COLUMNS}, previous_secret_hash AS matched_hash, 'previous' AS matched FROM gateway_keys WHERE previous_secret_hash = $1
         LIMIT 1`,
};
const GET_KEY = { name: "tensorwall_get_key", text: `SELECT ${KEY_COLUMNS} FROM gateway_keys WHERE id = $1` };
const INSERT_USAGE = {
  name: "tensorwall_insert_usage",
  // One statement per batch whatever its size: the columns travel as arrays.
  text: `INSERT INTO usage_records (request_id, started_at_ms, key_id, route, endpoint, deployment, region, model,
           streamed, status, prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, usage_estimated,
           cost_nano_usd, latency_ms, ttfb_ms, attempts)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
           $8::text[], $9::boolean[], $10::text[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[],
           $15::boolean[], $16::bigint[], $17::bigint[], $18::bigint[], $19::integer[])
         ON CONFLICT (request_id) DO NOTHING`,
};

/**
 * Keys, settings and the usage ledger in PostgreSQL (DATABASE_URL), for several replicas sharing
 * one database. The schema is whatever the connection's search_path selects. Key writes notify the
 * other replicas (see PostgresKeyChanges), which is what keyGeneration() follows.
 */
export class PostgresStore implements KeyStore, LedgerStore {
  readonly #pool: pg.Pool;
  readonly #keyChanges: PostgresKeyChanges;

  private constructor(pool: pg.Pool, keyChanges: PostgresKeyChanges) {
    this.#pool = pool;
    this.#keyChanges = keyChanges;
  }

  /** Connects and applies pending migrations; rejects (and closes the pool) if either fails. */
  static async open(connectionString: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 10 });
    pool.on("error", (error) => options.onIdleError?.(error));
    try {
      const client = await pool.connect();
      try {
        await runPostgresMigrations(client, MIGRATIONS, options.clock ?? Date.now);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end();
      throw error;
    }
    const keyChanges = await PostgresKeyChanges.start(connectionString, {
      ...(options.onIdleError !== undefined && { onError: options.onIdleError }),
    });
    return new PostgresStore(pool, keyChanges);
  }

  async insertKey(record: KeyRecord, secretHash: Uint8Array): Promise<void> {
    await this.#pool.query(
      `INSERT INTO gateway_keys (id, name, role, allowed_models, limits, secret_hash, created_at_ms, revoked_at_ms, expires_at_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        record.id,
        record.name,
        record.role,
        JSON.stringify(record.allowedModels),
        keyLimitsToJson(record.limits),
        toBuffer(secretHash),
        record.createdAtMs,
        record.revokedAtMs ?? null,
        record.expiresAtMs ?? null,
      ],
    );
  }

  async findKeyBySecretHash(secretHash: Uint8Array): Promise<StoredKey | undefined> {
    const { rows } = await this.#pool.query<MatchedKeyRow>({ ...FIND_BY_HASH, values: [toBuffer(secretHash)] });
    const row = rows[0];
    if (row === undefined) return undefined;
    return { record: rowToRecord(row), secretHash: new Uint8Array(row.matched_hash), matched: row.matched };
  }

  async getKey(id: string): Promise<KeyRecord | undefined> {
    const { rows } = await this.#pool.query<KeyRow>({ ...GET_KEY, values: [id] });
    return rows[0] === undefined ? undefined : rowToRecord(rows[0]);
  }

  async listKeys(options: ListKeysOptions = {}): Promise<KeyRecord[]> {
    const where = (options.includeRevoked ?? false) ? "" : "WHERE revoked_at_ms IS NULL";
    const { rows } = await this.#pool.query<KeyRow>(
      `SELECT ${KEY_COLUMNS} FROM gateway_keys ${where} ORDER BY created_at_ms, id`,
    );
    return rows.map(rowToRecord);
  }

  async revokeKey(id: string, revokedAtMs: number): Promise<KeyRecord | undefined> {
    const { rowCount } = await this.#pool.query(
      `WITH changed AS (UPDATE gateway_keys SET revoked_at_ms = $1 WHERE id = $2 AND revoked_at_ms IS NULL RETURNING id)
       ${NOTIFY_CHANGED_KEYS}`,
      [revokedAtMs, id],
    );
    if ((rowCount ?? 0) > 0) this.#keyChanges.changedHere();
    return this.getKey(id);
  }

  async rotateKeySecret(
    id: string,
    newSecretHash: Uint8Array,
    previousSecretExpiresAtMs: number | undefined,
  ): Promise<KeyRecord | undefined> {
    const { rowCount } = await this.#pool.query(
      `WITH changed AS (
         UPDATE gateway_keys SET
           previous_secret_hash = CASE WHEN $3::bigint IS NULL THEN NULL ELSE secret_hash END,
           previous_secret_expires_at_ms = $3::bigint,
           secret_hash = $2
         WHERE id = $1 AND revoked_at_ms IS NULL
         RETURNING id)
       ${NOTIFY_CHANGED_KEYS}`,
      [id, toBuffer(newSecretHash), previousSecretExpiresAtMs ?? null],
    );
    if ((rowCount ?? 0) > 0) this.#keyChanges.changedHere();
    return this.getKey(id);
  }

  async getSetting(name: string): Promise<string | undefined> {
    const { rows } = await this.#pool.query<{ value: string }>("SELECT value FROM settings WHERE name = $1", [name]);
    return rows[0]?.value;
  }

  async setSetting(name: string, value: string): Promise<void> {
    await this.#pool.query(
      "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      [name, value],
    );
  }

  async setSettingIfAbsent(name: string, value: string): Promise<string> {
    await this.#pool.query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", [
      name,
      value,
    ]);
    const stored = await this.getSetting(name);
    if (stored === undefined) throw new Error(`Setting '${name}' vanished while being written.`);
    return stored;
  }

  keyGeneration(): number | undefined {
    return this.#keyChanges.generation();
  }

  async insertUsage(records: readonly UsageRecord[]): Promise<void> {
    if (records.length === 0) return;
    const column = <T>(pick: (record: UsageRecord) => T): T[] => records.map(pick);
    await this.#pool.query({
      ...INSERT_USAGE,
      values: [
        column((r) => r.requestId),
        column((r) => r.startedAtMs),
        column((r) => r.keyId),
        column((r) => r.route),
        column((r) => r.endpoint),
        column((r) => r.deployment),
        column((r) => r.region),
        column((r) => r.model),
        column((r) => r.streamed),
        column((r) => r.status),
        column((r) => r.promptTokens),
        column((r) => r.cachedTokens),
        column((r) => r.completionTokens),
        column((r) => r.reasoningTokens),
        column((r) => r.usageEstimated),
        column((r) => r.costNanoUsd.toString()),
        column((r) => r.latencyMs),
        column((r) => r.ttfbMs ?? null),
        column((r) => r.attempts),
      ],
    });
  }

  async queryUsage(query: UsageQuery): Promise<UsageGroup[]> {
    const { text, values } = usageQuerySql(query, (index) => `$${index}`);
    const { rows } = await this.#pool.query<Record<string, unknown>>(text, values);
    return rows.map((row) => usageGroupFromRow(row, query));
  }

  async close(): Promise<void> {
    await this.#keyChanges.close();
    if (!this.#pool.ended) await this.#pool.end();
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// int8 columns arrive as strings; milliseconds since the epoch are far inside the safe range.
function ms(value: string): number {
  return Number(value);
}

function rowToRecord(row: KeyRow): KeyRecord {
  return {
    id: row.id,
    name: row.name,
    role: parseKeyRole(row.role),
    allowedModels: parseAllowedModels(row.allowed_models, row.id),
    limits: keyLimitsFromJson(row.limits, row.id),
    createdAtMs: ms(row.created_at_ms),
    ...(row.revoked_at_ms !== null && { revokedAtMs: ms(row.revoked_at_ms) }),
    ...(row.expires_at_ms !== null && { expiresAtMs: ms(row.expires_at_ms) }),
    ...(row.previous_secret_expires_at_ms !== null && { previousSecretExpiresAtMs: ms(row.previous_secret_expires_at_ms) }),
  };
}
