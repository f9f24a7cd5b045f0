/**
 * One schema change, written for each SQL store. Both stores apply the same versions in the same
 * order, so a database of either kind at version N has the same tables.
 */
export interface Migration {
  /** Applied in ascending order; never renumber or edit a released migration, add a new one. */
  readonly version: number;
  readonly name: string;
  readonly sqlite: string;
  readonly postgres: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "gateway keys and settings",
    sqlite: `
      CREATE TABLE gateway_keys (
        id TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'client')),
        allowed_models TEXT NOT NULL DEFAULT '[]',
        secret_hash BLOB NOT NULL UNIQUE,
        created_at_ms INTEGER NOT NULL,
        revoked_at_ms INTEGER
      );
      CREATE TABLE settings (
        name TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
      );
    `,
    postgres: `
      CREATE TABLE gateway_keys (
        id TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'client')),
        allowed_models TEXT NOT NULL DEFAULT '[]',
        secret_hash BYTEA NOT NULL UNIQUE,
        created_at_ms BIGINT NOT NULL,
        revoked_at_ms BIGINT
      );
      CREATE TABLE settings (
        name TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: "key expiry, limits and rotation",
    sqlite: `
      ALTER TABLE gateway_keys ADD COLUMN expires_at_ms INTEGER;
      ALTER TABLE gateway_keys ADD COLUMN limits TEXT NOT NULL DEFAULT '{}';
      ALTER TABLE gateway_keys ADD COLUMN previous_secret_hash BLOB;
      ALTER TABLE gateway_keys ADD COLUMN previous_secret_expires_at_ms INTEGER;
      CREATE UNIQUE INDEX gateway_keys_previous_secret_hash ON gateway_keys (previous_secret_hash);
    `,
    postgres: `
      ALTER TABLE gateway_keys
        ADD COLUMN expires_at_ms BIGINT,
        ADD COLUMN limits TEXT NOT NULL DEFAULT '{}',
        ADD COLUMN previous_secret_hash BYTEA,
        ADD COLUMN previous_secret_expires_at_ms BIGINT;
      CREATE UNIQUE INDEX gateway_keys_previous_secret_hash ON gateway_keys (previous_secret_hash);
    `,
  },
  {
    version: 3,
    name: "usage ledger",
    sqlite: `
      CREATE TABLE usage_records (
        request_id TEXT PRIMARY KEY NOT NULL,
        started_at_ms INTEGER NOT NULL,
        key_id TEXT NOT NULL,
        route TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        deployment TEXT NOT NULL,
        region TEXT NOT NULL,
        model TEXT NOT NULL,
        streamed INTEGER NOT NULL,
        status TEXT NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        cached_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        reasoning_tokens INTEGER NOT NULL,
        usage_estimated INTEGER NOT NULL,
        cost_nano_usd INTEGER NOT NULL,
        latency_ms INTEGER NOT NULL,
        ttfb_ms INTEGER,
        attempts INTEGER NOT NULL
      );
      CREATE INDEX usage_records_started_at ON usage_records (started_at_ms);
      CREATE INDEX usage_records_key_started_at ON usage_records (key_id, started_at_ms);
    `,
    postgres: `
      CREATE TABLE usage_records (
        request_id TEXT PRIMARY KEY NOT NULL,
        started_at_ms BIGINT NOT NULL,
        key_id TEXT NOT NULL,
        route TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        deployment TEXT NOT NULL,
        region TEXT NOT NULL,
        model TEXT NOT NULL,
        streamed BOOLEAN NOT NULL,
        status TEXT NOT NULL,
        prompt_tokens BIGINT NOT NULL,
        cached_tokens BIGINT NOT NULL,
        completion_tokens BIGINT NOT NULL,
        reasoning_tokens BIGINT NOT NULL,
        usage_estimated BOOLEAN NOT NULL,
        cost_nano_usd BIGINT NOT NULL,
        latency_ms BIGINT NOT NULL,
        ttfb_ms BIGINT,
        attempts INTEGER NOT NULL
      );
      CREATE INDEX usage_records_started_at ON usage_records (started_at_ms);
      CREATE INDEX usage_records_key_started_at ON usage_records (key_id, started_at_ms);
    `,
  },
];
