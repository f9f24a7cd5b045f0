import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors/index.js";
import { ENV_ADMIN_KEY_ID, hashKeySecret, KEY_HASH_KEY_SETTING, KeyRegistry } from "../../src/keys/index.js";
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

/** Counts store calls (all, or of one method), to show which paths never reach the store. */
function countingStore(inner: KeyStore): { store: KeyStore; calls: (method?: keyof KeyStore) => number } {
  const calls: string[] = [];
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls: (method) => calls.filter((name) => method === undefined || name === method).length };
}

/** A store whose changes cannot be followed, as PostgreSQL's while its listening connection is down. */
function unfollowableStore(inner: KeyStore): KeyStore {
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === "keyGeneration") return () => undefined;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
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
        limits: {},
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
        limits: {},
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

    it("answers a key it verified again from memory, without asking the store", async () => {
      const { store, calls } = countingStore(openStore());
      const registry = new KeyRegistry({ store, clock });
      const { record, secret } = await registry.create({ name: "busy" });
      for (let i = 0; i < 3; i++) await expect(registry.authenticate(secret)).resolves.toMatchObject({ keyId: record.id });
      expect(calls("findKeyBySecretHash")).toBe(1);
    });

    it("asks the store again once a remembered answer is older than the cache allows", async () => {
      const { store, calls } = countingStore(openStore());
      const registry = new KeyRegistry({ store, clock, cache: { maxAgeMs: 1_000 } });
      const { secret } = await registry.create({ name: "aging" });
      await registry.authenticate(secret);
      nowMs += 999;
      await registry.authenticate(secret);
      expect(calls("findKeyBySecretHash")).toBe(1);
      nowMs += 1;
      await registry.authenticate(secret);
      expect(calls("findKeyBySecretHash")).toBe(2);
    });

    it("asks the store every time while the store cannot follow changes", async () => {
      const { store, calls } = countingStore(unfollowableStore(openStore()));
      const registry = new KeyRegistry({ store, clock });
      const { secret } = await registry.create({ name: "uncached" });
      await registry.authenticate(secret);
      await registry.authenticate(secret);
      expect(calls("findKeyBySecretHash")).toBe(2);
    });

    it("never remembers a secret that did not authenticate", async () => {
      const { store, calls } = countingStore(openStore());
      const registry = new KeyRegistry({ store, clock });
      const unknown = `gw_${"B".repeat(43)}`;
      await expect(codeOf(registry.authenticate(unknown))).resolves.toBe("invalid_api_key");
      await expect(codeOf(registry.authenticate(unknown))).resolves.toBe("invalid_api_key");
      expect(calls("findKeyBySecretHash")).toBe(2);
    });

    it("refuses a key revoked while its lookup was under way on the call after", async () => {
      const inner = openStore();
      let holdNextLookup = false;
      let arrived!: () => void;
      const lookupArrived = new Promise<void>((resolve) => (arrived = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const store = new Proxy(inner, {
        get(target, property, receiver) {
          if (property === "findKeyBySecretHash") {
            // Answers as the store stood when asked, but only once the test lets it.
            return async (hash: Uint8Array) => {
              const found = await target.findKeyBySecretHash(hash);
              if (holdNextLookup) {
                holdNextLookup = false;
                arrived();
                await released;
              }
              return found;
            };
          }
          const value: unknown = Reflect.get(target, property, receiver);
          return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      const registry = new KeyRegistry({ store, clock });
      const { record, secret } = await registry.create({ name: "racing" });
      holdNextLookup = true;
      const inFlight = registry.authenticate(secret);
      await lookupArrived;
      await registry.revoke(record.id);
      release();
      // The lookup began before the revocation, so its answer stands; it must not be remembered.
      await expect(inFlight).resolves.toMatchObject({ keyId: record.id });
      await expect(codeOf(registry.authenticate(secret))).resolves.toBe("invalid_api_key");
    });

    it("refuses a key revoked by another process on the same SQLite file once that store looks", async () => {
      const path = join(dir, "shared.db");
      const storeOptions = { clock, otherWritersCheckMs: 250 };
      const here = new SqliteStore(path, storeOptions);
      const there = new SqliteStore(path, storeOptions);
      stores.push(here, there);
      const registryHere = new KeyRegistry({ store: here, clock });
      const registryThere = new KeyRegistry({ store: there, clock });
      const { record, secret } = await registryThere.create({ name: "shared" });
      await expect(registryHere.authenticate(secret)).resolves.toMatchObject({ keyId: record.id });
      await registryThere.revoke(record.id);
      nowMs += 250;
      await expect(codeOf(registryHere.authenticate(secret))).resolves.toBe("invalid_api_key");
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

  describe("limits and expiry", () => {
    it("keeps a key's limits and expiry, and gives the limits to its principal", async () => {
      const registry = new KeyRegistry({ store: openStore(), clock });
      const limits = { requestsPerMinute: 60, tokensPerMinute: 10_000, budget: { limitNanoUsd: 5_000_000_000n, period: "day" as const } };
      const { record, secret } = await registry.create({ name: "limited", limits, expiresAtMs: nowMs + 1_000 });
      expect(record).toMatchObject({ limits, expiresAtMs: nowMs + 1_000 });
      await expect(registry.authenticate(secret)).resolves.toMatchObject({ limits });
    });

    it("refuses a key from its expiry on, saying it expired", async () => {
      const registry = new KeyRegistry({ store: openStore(), clock });
      const { secret } = await registry.create({ name: "short-lived", expiresAtMs: nowMs + 1_000 });
      nowMs += 999;
      await expect(registry.authenticate(secret)).resolves.toBeDefined();
      nowMs += 1;
      const error = await registry.authenticate(secret).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "invalid_api_key", message: "This gateway key has expired." });
    });

    it("refuses out-of-range limits and a past expiry as invalid_request naming the field", async () => {
      const registry = new KeyRegistry({ store: openStore(), clock });
      const paramOf = (input: Parameters<KeyRegistry["create"]>[0]) =>
        registry.create(input).then(() => "created", (e: GatewayError) => e.param);
      await expect(paramOf({ name: "x", limits: { requestsPerMinute: 0 } })).resolves.toBe("limits.requests_per_minute");
      await expect(paramOf({ name: "x", limits: { tokensPerMinute: 1.5 } })).resolves.toBe("limits.tokens_per_minute");
      await expect(paramOf({ name: "x", limits: { budget: { limitNanoUsd: 0n, period: "day" } } })).resolves.toBe("limits.budget.limit_usd");
      await expect(
        paramOf({ name: "x", limits: { budget: { limitNanoUsd: 1_000_000_000_000_001n, period: "day" } } }),
      ).resolves.toBe("limits.budget.limit_usd");
      await expect(paramOf({ name: "x", expiresAtMs: nowMs })).resolves.toBe("expires_at");
    });

    it("generates a new admin key at start-up when the only admin key has expired", async () => {
      const store = openStore();
      const registry = new KeyRegistry({ store, clock });
      await registry.create({ name: "temporary admin", role: "admin", expiresAtMs: nowMs + 1_000 });
      expect((await registry.ensureAdminKey()).generatedSecret).toBeUndefined();
      nowMs += 1_000;
      expect((await registry.ensureAdminKey()).generatedSecret).toMatch(/^gw_/);
    });
  });

  describe("rotate", () => {
    it("issues a new secret and keeps the old one valid for exactly the grace period", async () => {
      const registry = new KeyRegistry({ store: openStore(), clock });
      const { record, secret: oldSecret } = await registry.create({ name: "rotating" });
      const rotated = await registry.rotate(record.id, { gracePeriodMs: 5_000 });
      expect(rotated.secret).not.toBe(oldSecret);
      expect(rotated.record).toMatchObject({ id: record.id, previousSecretExpiresAtMs: nowMs + 5_000 });
      await expect(registry.authenticate(rotated.secret)).resolves.toMatchObject({ keyId: record.id });
      nowMs += 4_999;
      await expect(registry.authenticate(oldSecret)).resolves.toMatchObject({ keyId: record.id });
      nowMs += 1;
      await expect(codeOf(registry.authenticate(oldSecret))).resolves.toBe("invalid_api_key");
      await expect(registry.authenticate(rotated.secret)).resolves.toMatchObject({ keyId: record.id });
    });

    it("defaults to a grace period of one hour", async () => {
      const registry = new KeyRegistry({ store: openStore(), clock });
      const { record } = await registry.create({ name: "rotating" });
      const rotated = await registry.rotate(record.id);
      expect(rotated.record.previousSecretExpiresAtMs).toBe(nowMs + 3_600_000);
    });

    it("ends the old secret at once with a zero grace period, and an earlier one on the next rotation", async () => {
      const registry = new KeyRegistry({ store: openStore(), clock });
      const { record, secret: first } = await registry.create({ name: "rotating" });
      const second = await registry.rotate(record.id, { gracePeriodMs: 60_000 });
      const third = await registry.rotate(record.id, { gracePeriodMs: 60_000 });
      await expect(codeOf(registry.authenticate(first))).resolves.toBe("invalid_api_key");
      await expect(registry.authenticate(second.secret)).resolves.toBeDefined();
      await registry.rotate(record.id, { gracePeriodMs: 0 });
      await expect(codeOf(registry.authenticate(third.secret))).resolves.toBe("invalid_api_key");
    });

    it("refuses revoked, unknown and TENSORWALL_ADMIN_KEY keys, and out-of-range grace periods", async () => {
      const registry = new KeyRegistry({ store: openStore(), clock });
      const { record, secret } = await registry.create({ name: "gone" });
      await registry.revoke(record.id);
      await expect(codeOf(registry.rotate(record.id))).resolves.toBe("invalid_request");
      await expect(codeOf(registry.authenticate(secret))).resolves.toBe("invalid_api_key");
      await expect(codeOf(registry.rotate("key_missing"))).resolves.toBe("not_found");
      await registry.ensureAdminKey(`gw_${"A".repeat(43)}`);
      await expect(codeOf(registry.rotate(ENV_ADMIN_KEY_ID))).resolves.toBe("invalid_request");
      const live = await registry.create({ name: "live" });
      await expect(codeOf(registry.rotate(live.record.id, { gracePeriodMs: -1 }))).resolves.toBe("invalid_request");
      await expect(codeOf(registry.rotate(live.record.id, { gracePeriodMs: 31 * 86_400_000 }))).resolves.toBe("invalid_request");
    });

    it("refuses a rotated-out secret as TENSORWALL_ADMIN_KEY", async () => {
      const registry = new KeyRegistry({ store: openStore(), clock });
      const { record, secret } = await registry.create({ name: "ops", role: "admin" });
      await registry.rotate(record.id);
      await expect(registry.ensureAdminKey(secret)).rejects.toThrow(/rotated-out secret/);
    });
  });
});
