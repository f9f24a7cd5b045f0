import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SQLITE_MIGRATIONS, SqliteStore, type KeyRecord } from "../../src/store/index.js";

const hashA = new Uint8Array(32).fill(1);
const hashB = new Uint8Array(32).fill(2);

function record(overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id: "key_a",
    name: "first",
    role: "client",
    allowedModels: ["gpt-4o", "azure/gpt-4o-mini"],
    createdAtMs: 1_000,
    ...overrides,
  };
}

describe("SqliteStore", () => {
  let dir: string;
  const open: SqliteStore[] = [];
  function openStore(path: string): SqliteStore {
    const store = new SqliteStore(path, { clock: () => 42 });
    open.push(store);
    return store;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tensorwall-store-"));
  });
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates missing parent directories for the database file", async () => {
    const path = join(dir, "nested", "deeper", "gateway.db");
    const store = openStore(path);
    await store.insertKey(record(), hashA);
    expect(await store.getKey("key_a")).toEqual(record());
  });

  it("puts a file database in WAL mode", async () => {
    const path = join(dir, "gateway.db");
    await openStore(path).close();
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      raw.close();
    }
  });

  it("applies each migration once, and reopening keeps data without re-applying", async () => {
    const path = join(dir, "gateway.db");
    const first = openStore(path);
    await first.insertKey(record(), hashA);
    await first.setSetting("answer", "42");
    await first.close();

    const second = openStore(path);
    expect(await second.getKey("key_a")).toEqual(record());
    expect(await second.getSetting("answer")).toBe("42");
    await second.close();

    const raw = new Database(path, { readonly: true });
    try {
      const rows = raw.prepare("SELECT version, applied_at_ms FROM schema_migrations").all();
      expect(rows).toEqual(SQLITE_MIGRATIONS.map((m) => ({ version: m.version, applied_at_ms: 42 })));
    } finally {
      raw.close();
    }
  });

  it("refuses a database migrated by a newer build", async () => {
    const path = join(dir, "gateway.db");
    await openStore(path).close();
    const raw = new Database(path);
    raw.prepare("INSERT INTO schema_migrations VALUES (999, 'from the future', 0)").run();
    raw.close();
    expect(() => new SqliteStore(path)).toThrow(/newer than this TensorWall build/);
  });

  it("works in memory", async () => {
    const store = openStore(":memory:");
    await store.insertKey(record(), hashA);
    expect(await store.listKeys()).toEqual([record()]);
  });

  it("finds a key by its secret hash and returns the stored hash with it", async () => {
    const store = openStore(":memory:");
    await store.insertKey(record(), hashA);
    const found = await store.findKeyBySecretHash(hashA);
    expect(found?.record).toEqual(record());
    expect(Buffer.from(found?.secretHash ?? []).equals(Buffer.from(hashA))).toBe(true);
    expect(await store.findKeyBySecretHash(hashB)).toBeUndefined();
  });

  it("rejects a second key with the same id or the same secret hash", async () => {
    const store = openStore(":memory:");
    await store.insertKey(record(), hashA);
    await expect(store.insertKey(record(), hashB)).rejects.toThrow();
    await expect(store.insertKey(record({ id: "key_b" }), hashA)).rejects.toThrow();
  });

  it("returns undefined for an unknown id", async () => {
    const store = openStore(":memory:");
    expect(await store.getKey("nope")).toBeUndefined();
    expect(await store.revokeKey("nope", 5)).toBeUndefined();
  });

  it("lists oldest first and leaves revoked keys out unless asked", async () => {
    const store = openStore(":memory:");
    await store.insertKey(record({ id: "key_late", createdAtMs: 3_000 }), hashA);
    await store.insertKey(record({ id: "key_early", createdAtMs: 2_000 }), hashB);
    await store.revokeKey("key_early", 4_000);

    expect((await store.listKeys()).map((k) => k.id)).toEqual(["key_late"]);
    const all = await store.listKeys({ includeRevoked: true });
    expect(all.map((k) => [k.id, k.revokedAtMs])).toEqual([
      ["key_early", 4_000],
      ["key_late", undefined],
    ]);
  });

  it("keeps the first revocation time when a key is revoked again", async () => {
    const store = openStore(":memory:");
    await store.insertKey(record(), hashA);
    expect((await store.revokeKey("key_a", 5_000))?.revokedAtMs).toBe(5_000);
    expect((await store.revokeKey("key_a", 9_000))?.revokedAtMs).toBe(5_000);
  });

  it("reads back a record without revokedAtMs when the key is active", async () => {
    const store = openStore(":memory:");
    await store.insertKey(record({ allowedModels: [] }), hashA);
    const got = await store.getKey("key_a");
    expect(got).not.toHaveProperty("revokedAtMs");
    expect(got?.allowedModels).toEqual([]);
  });

  it("overwrites a setting with setSetting but not with setSettingIfAbsent", async () => {
    const store = openStore(":memory:");
    expect(await store.getSetting("k")).toBeUndefined();
    expect(await store.setSettingIfAbsent("k", "first")).toBe("first");
    expect(await store.setSettingIfAbsent("k", "second")).toBe("first");
    await store.setSetting("k", "third");
    expect(await store.getSetting("k")).toBe("third");
  });

  it("closes idempotently", async () => {
    const store = new SqliteStore(":memory:");
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
  });
});
