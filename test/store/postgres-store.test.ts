import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MIGRATIONS, PostgresStore } from "../../src/store/index.js";
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

  it("closes idempotently", async () => {
    const store = await PostgresStore.open(schema.url);
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
  });
});
