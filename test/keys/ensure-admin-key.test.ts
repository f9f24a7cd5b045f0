import { afterEach, describe, expect, it } from "vitest";
import { generateKeySecret, KeyRegistry } from "../../src/keys/index.js";
import { SqliteStore } from "../../src/store/index.js";

describe("KeyRegistry.ensureAdminKey", () => {
  let nowMs = 1_000;
  const clock = () => nowMs;
  const stores: SqliteStore[] = [];
  function registry(): { store: SqliteStore; registry: KeyRegistry } {
    const store = new SqliteStore(":memory:");
    stores.push(store);
    return { store, registry: new KeyRegistry({ store, clock }) };
  }
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });

  describe("without TENSORWALL_ADMIN_KEY", () => {
    it("generates an admin key on first start and returns its secret", async () => {
      const { registry: keys } = registry();
      const { generatedSecret } = await keys.ensureAdminKey();
      expect(generatedSecret).toMatch(/^gw_[A-Za-z0-9_-]{43}$/);
      await expect(keys.authenticate(generatedSecret)).resolves.toMatchObject({ role: "admin" });
    });

    it("generates only once: later starts return nothing", async () => {
      const { store, registry: keys } = registry();
      await keys.ensureAdminKey();
      const restarted = new KeyRegistry({ store, clock });
      await expect(restarted.ensureAdminKey()).resolves.toEqual({});
      expect((await restarted.list()).filter((k) => k.role === "admin")).toHaveLength(1);
    });

    it("generates nothing when an admin key already exists", async () => {
      const { registry: keys } = registry();
      await keys.create({ name: "ops", role: "admin" });
      await expect(keys.ensureAdminKey()).resolves.toEqual({});
    });

    it("generates a new one when every admin key was revoked, so an operator can get back in", async () => {
      const { registry: keys } = registry();
      const { record } = await keys.create({ name: "ops", role: "admin" });
      await keys.revoke(record.id);
      expect((await keys.ensureAdminKey()).generatedSecret).toBeDefined();
    });
  });

  describe("with TENSORWALL_ADMIN_KEY", () => {
    it("makes that secret an admin key with a stable id", async () => {
      const { registry: keys } = registry();
      const secret = generateKeySecret();
      await expect(keys.ensureAdminKey(secret)).resolves.toEqual({});
      await expect(keys.authenticate(secret)).resolves.toMatchObject({
        keyId: "admin-env",
        role: "admin",
        allowedModels: [],
      });
    });

    it("is idempotent across restarts", async () => {
      const { store, registry: keys } = registry();
      const secret = generateKeySecret();
      await keys.ensureAdminKey(secret);
      await new KeyRegistry({ store, clock }).ensureAdminKey(secret);
      const all = await keys.list({ includeRevoked: true });
      expect(all.map((k) => [k.id, k.revokedAtMs])).toEqual([["admin-env", undefined]]);
    });

    it("revokes the previous env admin key when the value changes", async () => {
      const { registry: keys } = registry();
      const oldSecret = generateKeySecret();
      const newSecret = generateKeySecret();
      await keys.ensureAdminKey(oldSecret);
      nowMs += 1;
      await keys.ensureAdminKey(newSecret);
      await expect(keys.authenticate(oldSecret)).rejects.toMatchObject({ code: "invalid_api_key" });
      await expect(keys.authenticate(newSecret)).resolves.toMatchObject({ keyId: "admin-env-2" });
    });

    it("leaves other admin keys alone when the value changes", async () => {
      const { registry: keys } = registry();
      const other = await keys.create({ name: "ops", role: "admin" });
      await keys.ensureAdminKey(generateKeySecret());
      await keys.ensureAdminKey(generateKeySecret());
      await expect(keys.authenticate(other.secret)).resolves.toMatchObject({ role: "admin" });
    });

    it("does not generate a key of its own", async () => {
      const { registry: keys } = registry();
      await keys.ensureAdminKey(generateKeySecret());
      expect(await keys.list()).toHaveLength(1);
    });

    it("refuses a malformed value, naming the setting and the expected form", async () => {
      const { registry: keys } = registry();
      await expect(keys.ensureAdminKey("hunter2")).rejects.toThrow(
        /TENSORWALL_ADMIN_KEY must be 'gw_' followed by 43 base64url characters/,
      );
      await expect(keys.ensureAdminKey("hunter2")).rejects.not.toThrow(/hunter2/);
    });

    it("refuses to bring a revoked secret back", async () => {
      const { registry: keys } = registry();
      const secret = generateKeySecret();
      await keys.ensureAdminKey(secret);
      await keys.revoke("admin-env");
      await expect(keys.ensureAdminKey(secret)).rejects.toThrow(/revoked/);
    });

    it("refuses a value that is already a client key's secret", async () => {
      const { registry: keys } = registry();
      const { secret } = await keys.create({ name: "client" });
      await expect(keys.ensureAdminKey(secret)).rejects.toThrow(/client key/);
    });
  });
});
