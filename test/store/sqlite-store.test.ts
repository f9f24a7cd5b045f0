import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { MIGRATIONS, SqliteStore } from "../../src/store/index.js";
import { usageRecord } from "../support/usage-record.js";
import { describeStoreContract, everything, hashA, keyRecord } from "./store-contract.js";

describe("SqliteStore", () => {
  describeStoreContract(async () => new SqliteStore(":memory:"));

  describe("on a file, writing the ledger from a worker thread", () => {
    const dirs: string[] = [];
    afterAll(() => {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    });
    describeStoreContract(async () => {
      const dir = mkdtempSync(join(tmpdir(), "tensorwall-contract-"));
      dirs.push(dir);
      return new SqliteStore(join(dir, "gateway.db"));
    });
  });

  describe("on a file", () => {
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

    it("sees another connection's key change within otherWritersCheckMs, and its own at once", async () => {
      let nowMs = 1_000;
      const path = join(dir, "shared.db");
      const here = new SqliteStore(path, { clock: () => nowMs, otherWritersCheckMs: 250 });
      const there = new SqliteStore(path, { clock: () => nowMs, otherWritersCheckMs: 250 });
      open.push(here, there);
      await there.insertKey(keyRecord(), hashA);
      nowMs += 250;
      const before = here.keyGeneration();
      await there.revokeKey("key_a", 2_000);
      nowMs += 249;
      expect(here.keyGeneration()).toBe(before);
      nowMs += 1;
      const seen = here.keyGeneration();
      expect(seen).toBeGreaterThan(before);
      await here.rotateKeySecret("key_a", hashA, undefined);
      expect(here.keyGeneration()).toBe(seen);
      await there.insertKey(keyRecord({ id: "key_b" }), new Uint8Array(32).fill(9));
      await here.revokeKey("key_b", 3_000);
      expect(here.keyGeneration()).toBeGreaterThan(seen);
    });

    it("takes a key change by any connection as one, and the ledger's writes from its own thread as none", async () => {
      let nowMs = 1_000;
      const path = join(dir, "shared.db");
      const here = new SqliteStore(path, { clock: () => nowMs, otherWritersCheckMs: 250 });
      open.push(here);
      await here.insertKey(keyRecord(), hashA);
      nowMs += 250;
      const before = here.keyGeneration();
      await here.insertUsage([usageRecord()]);
      nowMs += 250;
      expect(here.keyGeneration()).toBe(before);
      const raw = new Database(path);
      try {
        raw.prepare("UPDATE gateway_keys SET name = 'renamed' WHERE id = 'key_a'").run();
      } finally {
        raw.close();
      }
      nowMs += 250;
      expect(here.keyGeneration()).toBeGreaterThan(before);
    });

    it("creates missing parent directories for the database file", async () => {
      const path = join(dir, "nested", "deeper", "gateway.db");
      const store = openStore(path);
      await store.insertKey(keyRecord(), hashA);
      expect(await store.getKey("key_a")).toEqual(keyRecord());
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
      await first.insertKey(keyRecord(), hashA);
      await first.setSetting("answer", "42");
      await first.close();

      const second = openStore(path);
      expect(await second.getKey("key_a")).toEqual(keyRecord());
      expect(await second.getSetting("answer")).toBe("42");
      await second.close();

      const raw = new Database(path, { readonly: true });
      try {
        const rows = raw.prepare("SELECT version, applied_at_ms FROM schema_migrations").all();
        expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, applied_at_ms: 42 })));
      } finally {
        raw.close();
      }
    });

    it("upgrades a database made by the first release, keeping its keys", async () => {
      const path = join(dir, "gateway.db");
      const raw = new Database(path);
      raw.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL)");
      raw.exec(MIGRATIONS[0]!.sqlite);
      raw.prepare("INSERT INTO schema_migrations VALUES (1, 'gateway keys and settings', 1)").run();
      raw
        .prepare("INSERT INTO gateway_keys (id, name, role, allowed_models, secret_hash, created_at_ms) VALUES (?, ?, ?, ?, ?, ?)")
        .run("key_old", "old", "client", "[]", Buffer.from(hashA), 5);
      raw.close();
      const store = openStore(path);
      expect(await store.getKey("key_old")).toEqual({ id: "key_old", name: "old", role: "client", allowedModels: [], limits: {}, createdAtMs: 5 });
    });

    it("keeps the event loop turning while a large ledger batch is written", async () => {
      const store = openStore(join(dir, "gateway.db"));
      const records = Array.from({ length: 40_000 }, (_, i) => usageRecord({ requestId: `req_${String(i).padStart(6, "0")}`, startedAtMs: i }));
      let turns = 0;
      const ticker = setInterval(() => turns++, 1);
      try {
        await store.insertUsage(records);
      } finally {
        clearInterval(ticker);
      }
      // Written on this thread, the whole batch would be one synchronous call and no timer could run.
      expect(turns).toBeGreaterThan(2);
      const [total] = await store.queryUsage(everything());
      expect(total?.totals.requests).toBe(40_000n);
    });

    it("finishes a ledger write in progress before closing, and refuses writes after", async () => {
      const path = join(dir, "gateway.db");
      const store = new SqliteStore(path);
      const written = store.insertUsage([usageRecord({ requestId: "req_last" })]);
      await store.close();
      await written;
      await expect(store.insertUsage([usageRecord({ requestId: "req_late" })])).rejects.toThrow(/closed/);
      const raw = new Database(path, { readonly: true });
      expect(raw.prepare("SELECT request_id FROM usage_records").pluck().all()).toEqual(["req_last"]);
      raw.close();
    });

    it("refuses a batch the database rejects, leaving none of it written, and writes the next", async () => {
      const store = openStore(join(dir, "gateway.db"));
      const bad = usageRecord({ requestId: "req_bad" }) as unknown as Record<string, unknown>;
      bad["keyId"] = null;
      await expect(store.insertUsage([usageRecord({ requestId: "req_1" }), bad as never])).rejects.toThrow(/NOT NULL/);
      await store.insertUsage([usageRecord({ requestId: "req_2" })]);
      const [total] = await store.queryUsage(everything());
      expect(total?.totals.requests).toBe(1n);
    });

    it("refuses a database migrated by a newer build", async () => {
      const path = join(dir, "gateway.db");
      await openStore(path).close();
      const raw = new Database(path);
      raw.prepare("INSERT INTO schema_migrations VALUES (999, 'from the future', 0)").run();
      raw.close();
      expect(() => new SqliteStore(path)).toThrow(/newer than this TensorWall build/);
    });
  });

  it("closes idempotently", async () => {
    const store = new SqliteStore(":memory:");
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
  });
});
