/**
 * The PostgreSQL and Redis these machines run (see .ci/run), isolated per test: each PostgreSQL
 * test gets its own schema and each Redis test its own key prefix, both removed afterwards.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";

export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export interface TestSchema {
  readonly name: string;
  /** TEST_POSTGRES_URL with this schema as the search_path, as DATABASE_URL would be set. */
  readonly url: string;
  /** Runs SQL in the schema, for assertions on what the store wrote. */
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

export async function createTestSchema(): Promise<TestSchema> {
  const name = `tensorwall_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${name}`);
  await admin.query(`SET search_path TO ${name}`);
  return {
    name,
    url: `${TEST_POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${name}`)}`,
    async query(text, values) {
      return (await admin.query(text, values)).rows;
    },
    async drop() {
      await admin.query(`DROP SCHEMA ${name} CASCADE`);
      await admin.end();
    },
  };
}

export interface TestRedis {
  /** A fresh key prefix, ending in ":". */
  readonly prefix: string;
  readonly redis: Redis;
  /** Deletes every key under the prefix and disconnects. */
  cleanUp(): Promise<void>;
}

export async function createTestRedis(): Promise<TestRedis> {
  const prefix = `tensorwall-test-${randomBytes(6).toString("hex")}:`;
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  await redis.connect();
  return {
    prefix,
    redis,
    async cleanUp() {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
}
