import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MIGRATIONS, PostgresStore } from "../../src/store/index.js";
import { PostgresKeyChanges } from "../../src/store/postgres-key-changes.js";
import { describeStoreContract, hashA, keyRecord } from "./store-contract.js";
import { createTestSchema, type TestSchema } from "./test-services.js";

describe("PostgresStore", () => {
  let schema: TestSchema;
  beforeEach(async () => {
    schema = await createTestSchema();
  });
  afterEach(async () => {
    await schema.drop();
  });

  describeStoreContract(() => PostgresStore.open(schema.url));

  it("applies each migration exactly once when replicas start together", async () => {
    const stores = await Promise.all([1, 2, 3].map(() => PostgresStore.open(schema.url, { clock: () => 42 })));
    try {
      const rows = await schema.query<{ version: number; applied_at_ms: string }>(
        "SELECT version, applied_at_ms FROM schema_migrations ORDER BY version",
      );
      expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, applied_at_ms: "42" })));
      await stores[0]!.insertKey(keyRecord(), hashA);
      expect(await stores[2]!.getKey("key_a")).toEqual(keyRecord());
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it("refuses a database migrated by a newer build, and closes its connections", async () => {
    await (await PostgresStore.open(schema.url)).close();
    await schema.query("INSERT INTO schema_migrations VALUES (999, 'from the future', 0)");
    await expect(PostgresStore.open(schema.url)).rejects.toThrow(/newer than this TensorWall build/);
  });

  it("hears of a key revoked through another replica, and not of one revoked in another schema", async () => {
    const other = await createTestSchema();
    const [here, there, elsewhere] = await Promise.all([
      PostgresStore.open(schema.url),
      PostgresStore.open(schema.url),
      PostgresStore.open(other.url),
    ]);
    try {
      await there.insertKey(keyRecord(), hashA);
      await elsewhere.insertKey(keyRecord(), hashA);
      const before = here.keyGeneration()!;
      expect(before).toEqual(expect.any(Number));
      await elsewhere.revokeKey("key_a", 1_000);
      await there.revokeKey("key_a", 2_000);
      await vi.waitFor(() => expect(here.keyGeneration()).toBeGreaterThan(before));
      // Notifications arrive in commit order: the other schema's came first and moved nothing.
      expect(here.keyGeneration()).toBe(before + 1);
    } finally {
      await Promise.all([here, there, elsewhere].map((store) => store.close()));
      await other.drop();
    }
  });

  it("follows no key changes while its listening connection is down, and moves on once it is back", async () => {
    const applicationName = `tensorwall_test_${randomBytes(4).toString("hex")}`;
    const errors: Error[] = [];
    const changes = await PostgresKeyChanges.start(`${schema.url}&application_name=${applicationName}`, {
      reconnectDelayMs: 300,
      onError: (error) => errors.push(error),
    });
    try {
      const before = changes.generation()!;
      expect(before).toEqual(expect.any(Number));
      await schema.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [applicationName]);
      await vi.waitFor(() => expect(changes.generation()).toBeUndefined(), { interval: 5 });
      expect(errors).not.toEqual([]);
      await vi.waitFor(() => expect(changes.generation()).toBeGreaterThan(before), { timeout: 5_000 });
    } finally {
      await changes.close();
    }
  });

  it("closes idempotently", async () => {
    const store = await PostgresStore.open(schema.url);
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
  });
});
