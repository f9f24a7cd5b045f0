import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors/index.js";
import { hashKeySecret, KEY_HASH_KEY_SETTING, KeyRegistry } from "../../src/keys/index.js";
import { SqliteStore, type KeyStore } from "../../src/store/index.js";

const HASH_SECRET = "an-operator-chosen-hash-secret-of-enough-length";

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error.code;
    throw error;
  }
  throw new Error("expected a GatewayError");
}

/** Counts store calls, to show which paths never reach the store. */
function countingStore(inner: KeyStore): { store: KeyStore; calls: () => number } {
  let calls = 0;
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls: () => calls };
}

describe("KeyRegistry", () => {
  let dir: string;
  let nowMs: number;
  const clock = () => nowMs;
  const stores: SqliteStore[] = [];
  function openStore(path = ":memory:"): SqliteStore {
    const store = new SqliteStore(path);
    stores.push(store);
    return store;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tensorwall-keys-"));
    nowMs = 1_700_000_000_000;
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe("create", () => {
    it("issues a gw_ secret and a record with normalised fields", async () => {
      const registry = new KeyRegistry({ store: openStore(), clock });
      const { record, secret } = await registry.create({
        name: "  team a  ",
        allowedModels: [" gpt-4o ", "azure/o3", "gpt-4o"],
      });
      expect(secret).toMatch(/^gw_[A-Za-z0-9_-]{43}$/);
      expect(record).toEqual({
        id: expect.stringMatching(/^key_[0-9a-f]{16}$/),
        name: "team a",
        role: "client",
        allowedModels: ["gpt-4o", "azure/o3"],
        createdAtMs: nowMs,
      });
    });

    it("does not change the caller's input", async () => {
      const registry = new KeyRegistry({ store: openStore(), clock });
      const input = Object.freeze({ name: " x ", allowedModels: Object.freeze([" m "]) });
      await registry.create(input);
      expect(input).toEqual({ name: " x ", allowedModels: [" m "] });
    });

    it("rejects a blank or over-long name and blank model names as invalid_request", async () => {
      const registry = new KeyRegistry({ store: openStore(), clock });
      await expect(codeOf(registry.create({ name: "   " }))).resolves.toBe("invalid_request");
      await expect(codeOf(registry.create({ name: "x".repeat(201) }))).resolves.toBe(
        "invalid_request",
      );
      await expect(registry.create({ name: "é".repeat(200) })).resolves.toBeDefined();
      const error = await registry.create({ name: "ok", allowedModels: ["a", " "] }).catch((e) => e);
      expect(error).toBeInstanceOf(GatewayError);
      expect(error.param).toBe("allowed_models[1]");
    });

    it("stores only a hash: the secret never appears in the database files", async () => {
      const path = join(dir, "gateway.db");
      const store = openStore(path);
      const registry = new KeyRegistry({ store, hashSecret: HASH_SECRET, clock });
      const { secret } = await registry.create({ name: "plain?" });
      await store.close();

      const bytes = Buffer.concat(
        [path, `${path}-wal`].filter((p) => existsSync(p)).map((p) => readFileSync(p)),
      );
      expect(bytes.includes(secret)).toBe(false);
      expect(bytes.includes(secret.slice(3))).toBe(false);
      // The test would prove nothing if the row were not in these files at all.
      expect(bytes.includes(hashKeySecret(Buffer.from(HASH_SECRET), secret))).toBe(true);
    });
  });

  describe("authenticate", () => {
    it("returns the principal of a valid key", async () => {
      const registry = new KeyRegistry({ store: openStore(), clock });
      const { record, secret } = await registry.create({ name: "svc", allowedModels: ["o3"] });
      await expect(registry.authenticate(secret)).resolves.toEqual({
        keyId: record.id,
        name: "svc",
        role: "client",
        allowedModels: ["o3"],
      });
    });

    it("answers missing_api_key when no key is presented", async () => {
      const registry = new KeyRegistry({ store: openStore(), clock });
      await expect(codeOf(registry.authenticate(undefined))).resolves.toBe("missing_api_key");
      await expect(codeOf(registry.authenticate(""))).resolves.toBe("missing_api_key");
    });

    it("refuses a malformed key as invalid_api_key without touching the store", async () => {
      const { store, calls } = countingStore(openStore());
      const registry = new KeyRegistry({ store, clock });
      for (const junk of ["sk-abc", "gw_short", `gw_${"A".repeat(44)}`, `Bearer gw_${"A".repeat(43)}`]) {
        await expect(codeOf(registry.authenticate(junk))).resolves.toBe("invalid_api_key");
      }
      expect(calls()).toBe(0);
    });

    it("refuses a well-formed key it never issued", async () => {
      const registry = new KeyRegistry({ store: openStore(), clock });
      await registry.create({ name: "someone" });
      await expect(codeOf(registry.authenticate(`gw_${"A".repeat(43)}`))).resolves.toBe(
        "invalid_api_key",
      );
    });

    it("refuses a revoked key on the very next call", async () => {
      const registry = new KeyRegistry({ store: openStore(), clock });
      const { record, secret } = await registry.create({ name: "soon gone" });
      await registry.authenticate(secret);
      await registry.revoke(record.id);
      await expect(codeOf(registry.authenticate(secret))).resolves.toBe("invalid_api_key");
    });

    it("never puts the secret in the error message", async () => {
      const registry = new KeyRegistry({ store: openStore(), clock });
      const { record, secret } = await registry.create({ name: "x" });
      await registry.revoke(record.id);
      const error: unknown = await registry.authenticate(secret).catch((e) => e);
      expect(String((error as Error).message)).not.toContain(secret.slice(3, 20));
    });

    it("keeps verifying keys after a restart with a generated hash key", async () => {
      const path = join(dir, "gateway.db");
      const first = openStore(path);
      const { secret } = await new KeyRegistry({ store: first, clock }).create({ name: "durable" });
      const hashKey = await first.getSetting(KEY_HASH_KEY_SETTING);
      await first.close();

      const second = openStore(path);
      await expect(new KeyRegistry({ store: second, clock }).authenticate(secret)).resolves.toMatchObject({
        name: "durable",
      });
      expect(await second.getSetting(KEY_HASH_KEY_SETTING)).toBe(hashKey);
    });

    it("uses the configured hash secret instead of the stored one", async () => {
      const store = openStore();
      const { secret } = await new KeyRegistry({ store, hashSecret: HASH_SECRET, clock }).create({
        name: "configured",
      });
      expect(await store.getSetting(KEY_HASH_KEY_SETTING)).toBeUndefined();
      await expect(
        new KeyRegistry({ store, hashSecret: HASH_SECRET, clock }).authenticate(secret),
      ).resolves.toBeDefined();
      await expect(codeOf(new KeyRegistry({ store, clock }).authenticate(secret))).resolves.toBe(
        "invalid_api_key",
      );
    });

    it("refuses a hash secret too short to be safe, naming the setting", () => {
      expect(() => new KeyRegistry({ store: openStore(), hashSecret: "short" })).toThrow(
        /TENSORWALL_KEY_HASH_SECRET/,
      );
    });
  });

  describe("list and revoke", () => {
    it("lists active keys, and revoked ones only when asked", async () => {
      const registry = new KeyRegistry({ store: openStore(), clock });
      const a = await registry.create({ name: "a" });
      nowMs += 1;
      const b = await registry.create({ name: "b" });
      nowMs += 1;
      await registry.revoke(a.record.id);
      expect((await registry.list()).map((k) => k.name)).toEqual(["b"]);
      const all = await registry.list({ includeRevoked: true });
      expect(all.map((k) => [k.name, k.revokedAtMs])).toEqual([
        ["a", nowMs],
        ["b", undefined],
      ]);
      expect(all[1]?.id).toBe(b.record.id);
    });

    it("revokes idempotently, keeping the first revocation time", async () => {
      const registry = new KeyRegistry({ store: openStore(), clock });
      const { record } = await registry.create({ name: "twice" });
      const first = await registry.revoke(record.id);
      nowMs += 60_000;
      const second = await registry.revoke(record.id);
      expect(second).toEqual(first);
      expect(second.revokedAtMs).toBe(1_700_000_000_000);
    });

    it("answers not_found for an unknown id", async () => {
      const registry = new KeyRegistry({ store: openStore(), clock });
      await expect(codeOf(registry.revoke("key_missing"))).resolves.toBe("not_found");
    });
  });
});
