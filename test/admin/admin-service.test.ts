import { toBinary } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import {
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
  type Client,
  type Interceptor,
} from "@connectrpc/connect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AdminService,
  KeyRole,
  ListKeysResponseSchema,
} from "../../gen/tensorwall/v1/admin_pb.js";
import { createAdminService, toGatewayKeyMessage } from "../../src/admin/index.js";
import { ERROR_TABLE, GatewayError } from "../../src/errors/index.js";
import { hashKeySecret, KEY_HASH_KEY_SETTING, KeyRegistry } from "../../src/keys/index.js";
import { SqliteStore } from "../../src/store/index.js";

/**
 * Stands in for the server's error interceptor, which lives outside src/admin: without it a
 * thrown GatewayError reaches the client as a generic Connect error.
 */
const gatewayErrorsAsConnectErrors: Interceptor = (next) => async (request) => {
  try {
    return await next(request);
  } catch (error) {
    if (error instanceof GatewayError) {
      throw new ConnectError(error.message, ERROR_TABLE[error.code].connectCode);
    }
    throw error;
  }
};

async function connectCode(promise: Promise<unknown>): Promise<Code> {
  try {
    await promise;
  } catch (error) {
    return ConnectError.from(error).code;
  }
  throw new Error("expected the call to fail");
}

describe("AdminService", () => {
  let nowMs: number;
  let store: SqliteStore;
  let registry: KeyRegistry;
  let client: Client<typeof AdminService>;
  let adminSecret: string;
  let asAdmin: { headers: Record<string, string> };

  beforeEach(async () => {
    nowMs = 1_700_000_000_000;
    store = new SqliteStore(":memory:");
    registry = new KeyRegistry({ store, clock: () => nowMs });
    const generated = (await registry.ensureAdminKey()).generatedSecret;
    if (generated === undefined) throw new Error("expected a generated admin key");
    adminSecret = generated;
    asAdmin = { headers: { authorization: `Bearer ${adminSecret}` } };
    const transport = createRouterTransport(
      (router) => {
        router.service(AdminService, createAdminService(registry));
      },
      { router: { interceptors: [gatewayErrorsAsConnectErrors] } },
    );
    client = createClient(AdminService, transport);
  });
  afterEach(async () => {
    await store.close();
  });

  describe("authentication", () => {
    it("accepts the admin key from Authorization, X-API-Key or api-key", async () => {
      for (const header of [
        { authorization: `Bearer ${adminSecret}` },
        { "x-api-key": adminSecret },
        { "api-key": adminSecret },
      ]) {
        await expect(client.listKeys({}, { headers: header })).resolves.toBeDefined();
      }
    });

    it("answers Unauthenticated when no key is sent", async () => {
      await expect(connectCode(client.listKeys({}))).resolves.toBe(Code.Unauthenticated);
    });

    it("answers Unauthenticated for a malformed or unknown key", async () => {
      for (const key of ["nope", `gw_${"A".repeat(43)}`]) {
        await expect(connectCode(client.listKeys({}, { headers: { "x-api-key": key } }))).resolves.toBe(
          Code.Unauthenticated,
        );
      }
    });

    it("answers PermissionDenied to a client key on every method", async () => {
      const { secret } = await registry.create({ name: "client" });
      const asClient = { headers: { "x-api-key": secret } };
      await expect(connectCode(client.listKeys({}, asClient))).resolves.toBe(Code.PermissionDenied);
      await expect(connectCode(client.createKey({ name: "x" }, asClient))).resolves.toBe(
        Code.PermissionDenied,
      );
      await expect(connectCode(client.revokeKey({ id: "admin" }, asClient))).resolves.toBe(
        Code.PermissionDenied,
      );
    });
  });

  describe("CreateKey", () => {
    it("returns the secret once, and a client key by default", async () => {
      const response = await client.createKey(
        { name: "team a", allowedModels: [" gpt-4o ", "azure/o3"] },
        asAdmin,
      );
      expect(response.secret).toMatch(/^gw_[A-Za-z0-9_-]{43}$/);
      expect(response.key).toMatchObject({
        name: "team a",
        role: KeyRole.CLIENT,
        allowedModels: ["gpt-4o", "azure/o3"],
      });
      expect(response.key?.createdAt && timestampMs(response.key.createdAt)).toBe(nowMs);
      expect(response.key?.revokedAt).toBeUndefined();
      await expect(registry.authenticate(response.secret)).resolves.toMatchObject({
        keyId: response.key?.id,
        role: "client",
      });
    });

    it("issues an admin key when asked", async () => {
      const response = await client.createKey({ name: "ops", role: KeyRole.ADMIN }, asAdmin);
      expect(response.key?.role).toBe(KeyRole.ADMIN);
      await expect(registry.authenticate(response.secret)).resolves.toMatchObject({ role: "admin" });
    });

    it("answers InvalidArgument for a missing or over-long name", async () => {
      await expect(connectCode(client.createKey({ name: " " }, asAdmin))).resolves.toBe(
        Code.InvalidArgument,
      );
      await expect(connectCode(client.createKey({ name: "n".repeat(201) }, asAdmin))).resolves.toBe(
        Code.InvalidArgument,
      );
    });

    it("answers InvalidArgument for a blank allowed model", async () => {
      await expect(
        connectCode(client.createKey({ name: "x", allowedModels: ["gpt-4o", "  "] }, asAdmin)),
      ).resolves.toBe(Code.InvalidArgument);
    });

    it("answers InvalidArgument for a role number this build does not know", async () => {
      await expect(
        connectCode(client.createKey({ name: "x", role: 7 as KeyRole }, asAdmin)),
      ).resolves.toBe(Code.InvalidArgument);
    });
  });

  describe("ListKeys", () => {
    it("lists keys without any secret or hash", async () => {
      nowMs += 1;
      const created = await client.createKey({ name: "listed" }, asAdmin);
      const response = await client.listKeys({}, asAdmin);
      expect(response.keys.map((k) => k.name)).toEqual(["admin (generated at start-up)", "listed"]);
      const wire = Buffer.from(toBinary(ListKeysResponseSchema, response));
      const hashKey = Buffer.from((await store.getSetting(KEY_HASH_KEY_SETTING)) ?? "", "base64url");
      for (const secret of [created.secret, adminSecret]) {
        expect(wire.includes(secret.slice(3))).toBe(false);
        expect(wire.includes(hashKeySecret(hashKey, secret))).toBe(false);
      }
    });

    it("includes revoked keys only when asked", async () => {
      const created = await client.createKey({ name: "gone" }, asAdmin);
      nowMs += 5;
      await client.revokeKey({ id: created.key?.id ?? "" }, asAdmin);
      expect((await client.listKeys({}, asAdmin)).keys.map((k) => k.name)).not.toContain("gone");
      const all = await client.listKeys({ includeRevoked: true }, asAdmin);
      const gone = all.keys.find((k) => k.name === "gone");
      expect(gone?.revokedAt && timestampMs(gone.revokedAt)).toBe(nowMs);
    });
  });

  describe("RevokeKey", () => {
    it("refuses the revoked key on its next request", async () => {
      const created = await client.createKey({ name: "victim", role: KeyRole.ADMIN }, asAdmin);
      const asVictim = { headers: { "x-api-key": created.secret } };
      await client.listKeys({}, asVictim);
      const response = await client.revokeKey({ id: created.key?.id ?? "" }, asAdmin);
      expect(response.key?.revokedAt).toBeDefined();
      await expect(connectCode(client.listKeys({}, asVictim))).resolves.toBe(Code.Unauthenticated);
    });

    it("returns the same record when revoking twice", async () => {
      const created = await client.createKey({ name: "twice" }, asAdmin);
      const id = created.key?.id ?? "";
      const first = await client.revokeKey({ id }, asAdmin);
      nowMs += 1_000;
      const second = await client.revokeKey({ id }, asAdmin);
      expect(second.key).toEqual(first.key);
    });

    it("answers NotFound for an unknown id and InvalidArgument for none", async () => {
      await expect(connectCode(client.revokeKey({ id: "key_nope" }, asAdmin))).resolves.toBe(
        Code.NotFound,
      );
      await expect(connectCode(client.revokeKey({ id: "" }, asAdmin))).resolves.toBe(
        Code.InvalidArgument,
      );
    });
  });
});

describe("toGatewayKeyMessage", () => {
  it("carries every public field and the revocation time when there is one", () => {
    const message = toGatewayKeyMessage({
      id: "key_1",
      name: "n",
      role: "admin",
      allowedModels: ["m"],
      limits: {},
      createdAtMs: 1_500,
      revokedAtMs: 2_250,
    });
    expect(message).toMatchObject({ id: "key_1", name: "n", role: KeyRole.ADMIN, allowedModels: ["m"] });
    expect(message.createdAt && timestampMs(message.createdAt)).toBe(1_500);
    expect(message.revokedAt && timestampMs(message.revokedAt)).toBe(2_250);
  });

  it("leaves revokedAt unset for an active key", () => {
    const message = toGatewayKeyMessage({
      id: "key_1",
      name: "n",
      role: "client",
      allowedModels: [],
      limits: {},
      createdAtMs: 0,
    });
    expect(message.role).toBe(KeyRole.CLIENT);
    expect(message.revokedAt).toBeUndefined();
  });
});
