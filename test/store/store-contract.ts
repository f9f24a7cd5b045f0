/**
 * What every store (SQLite, PostgreSQL) must do, run against each by its own test file.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KeyRecord, KeyStore, LedgerStore, UsageQuery } from "../../src/store/index.js";
import { usageRecord } from "../support/usage-record.js";

export type ContractStore = KeyStore & LedgerStore;

export const hashA = new Uint8Array(32).fill(1);
export const hashB = new Uint8Array(32).fill(2);
export const hashC = new Uint8Array(32).fill(3);

export function keyRecord(overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id: "key_a",
    name: "first",
    role: "client",
    allowedModels: ["gpt-4o", "azure/gpt-4o-mini"],
    limits: {},
    createdAtMs: 1_000,
    ...overrides,
  };
}

export function everything(overrides: Partial<UsageQuery> = {}): UsageQuery {
  return { keyIds: [], routes: [], deployments: [], models: [], groupBy: [], ...overrides };
}

export function describeStoreContract(open: () => Promise<ContractStore>): void {
  describe("as a store", () => storeContract(open));
}

function storeContract(open: () => Promise<ContractStore>): void {
  let store: ContractStore;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  describe("keys", () => {
    it("reads back a record with every field, limits and expiry included", async () => {
      const full = keyRecord({
        limits: { requestsPerMinute: 60, tokensPerMinute: 90_000, budget: { limitNanoUsd: 25_000_000_000n, period: "month" } },
        expiresAtMs: 9_000,
      });
      await store.insertKey(full, hashA);
      expect(await store.getKey("key_a")).toEqual(full);
    });

    it("reads back a record without optional fields when they are unset", async () => {
      await store.insertKey(keyRecord({ allowedModels: [] }), hashA);
      const got = await store.getKey("key_a");
      expect(got).not.toHaveProperty("revokedAtMs");
      expect(got).not.toHaveProperty("expiresAtMs");
      expect(got).not.toHaveProperty("previousSecretExpiresAtMs");
      expect(got?.allowedModels).toEqual([]);
      expect(got?.limits).toEqual({});
    });

    it("finds a key by its secret hash and returns the stored hash with it", async () => {
      await store.insertKey(keyRecord(), hashA);
      const found = await store.findKeyBySecretHash(hashA);
      expect(found?.record).toEqual(keyRecord());
      expect(found?.matched).toBe("current");
      expect(Buffer.from(found?.secretHash ?? []).equals(Buffer.from(hashA))).toBe(true);
      expect(await store.findKeyBySecretHash(hashB)).toBeUndefined();
    });

    it("rejects a second key with the same id or the same secret hash", async () => {
      await store.insertKey(keyRecord(), hashA);
      await expect(store.insertKey(keyRecord(), hashB)).rejects.toThrow();
      await expect(store.insertKey(keyRecord({ id: "key_b" }), hashA)).rejects.toThrow();
    });

    it("returns undefined for an unknown id", async () => {
      expect(await store.getKey("nope")).toBeUndefined();
      expect(await store.revokeKey("nope", 5)).toBeUndefined();
      expect(await store.rotateKeySecret("nope", hashB, 5)).toBeUndefined();
    });

    it("lists oldest first and leaves revoked keys out unless asked", async () => {
      await store.insertKey(keyRecord({ id: "key_late", createdAtMs: 3_000 }), hashA);
      await store.insertKey(keyRecord({ id: "key_early", createdAtMs: 2_000 }), hashB);
      await store.revokeKey("key_early", 4_000);
      expect((await store.listKeys()).map((k) => k.id)).toEqual(["key_late"]);
      const all = await store.listKeys({ includeRevoked: true });
      expect(all.map((k) => [k.id, k.revokedAtMs])).toEqual([
        ["key_early", 4_000],
        ["key_late", undefined],
      ]);
    });

    it("keeps the first revocation time when a key is revoked again", async () => {
      await store.insertKey(keyRecord(), hashA);
      expect((await store.revokeKey("key_a", 5_000))?.revokedAtMs).toBe(5_000);
      expect((await store.revokeKey("key_a", 9_000))?.revokedAtMs).toBe(5_000);
    });

    it("rotates: the new hash is current, the old one previous until its expiry, an older one gone", async () => {
      await store.insertKey(keyRecord(), hashA);
      const rotated = await store.rotateKeySecret("key_a", hashB, 7_000);
      expect(rotated?.previousSecretExpiresAtMs).toBe(7_000);
      expect((await store.findKeyBySecretHash(hashB))?.matched).toBe("current");
      const previous = await store.findKeyBySecretHash(hashA);
      expect(previous?.matched).toBe("previous");
      expect(Buffer.from(previous?.secretHash ?? []).equals(Buffer.from(hashA))).toBe(true);

      await store.rotateKeySecret("key_a", hashC, 8_000);
      expect(await store.findKeyBySecretHash(hashA)).toBeUndefined();
      expect((await store.findKeyBySecretHash(hashB))?.matched).toBe("previous");
    });

    it("drops the previous secret at once when rotating without a grace period", async () => {
      await store.insertKey(keyRecord(), hashA);
      const rotated = await store.rotateKeySecret("key_a", hashB, undefined);
      expect(rotated).not.toHaveProperty("previousSecretExpiresAtMs");
      expect(await store.findKeyBySecretHash(hashA)).toBeUndefined();
    });

    it("does not rotate a revoked key", async () => {
      await store.insertKey(keyRecord(), hashA);
      await store.revokeKey("key_a", 5_000);
      await store.rotateKeySecret("key_a", hashB, 9_000);
      expect((await store.findKeyBySecretHash(hashA))?.matched).toBe("current");
      expect(await store.findKeyBySecretHash(hashB)).toBeUndefined();
    });

    it("moves its key generation forward when a key is revoked or rotated through it, not on lookups", async () => {
      await store.insertKey(keyRecord(), hashA);
      const start = store.keyGeneration();
      expect(start).toEqual(expect.any(Number));
      await store.findKeyBySecretHash(hashA);
      await store.getKey("key_a");
      expect(store.keyGeneration()).toBe(start);
      await store.rotateKeySecret("key_a", hashB, 7_000);
      const rotated = store.keyGeneration()!;
      expect(rotated).toBeGreaterThan(start!);
      await store.revokeKey("key_a", 8_000);
      expect(store.keyGeneration()).toBeGreaterThan(rotated);
    });

    it("overwrites a setting with setSetting but not with setSettingIfAbsent", async () => {
      expect(await store.getSetting("k")).toBeUndefined();
      expect(await store.setSettingIfAbsent("k", "first")).toBe("first");
      expect(await store.setSettingIfAbsent("k", "second")).toBe("first");
      await store.setSetting("k", "third");
      expect(await store.getSetting("k")).toBe("third");
    });
  });

  describe("usage ledger", () => {
    it("totals everything in one group, zero when nothing matched", async () => {
      expect(await store.queryUsage(everything())).toEqual([
        {
          totals: {
            requests: 0n,
            failedRequests: 0n,
            promptTokens: 0n,
            cachedTokens: 0n,
            completionTokens: 0n,
            reasoningTokens: 0n,
            costNanoUsd: 0n,
          },
        },
      ]);
      await store.insertUsage([usageRecord(), usageRecord({ status: "upstream_error", costNanoUsd: 0n, promptTokens: 0 })]);
      expect(await store.queryUsage(everything())).toEqual([
        {
          totals: {
            requests: 2n,
            failedRequests: 1n,
            promptTokens: 10n,
            cachedTokens: 4n,
            completionTokens: 10n,
            reasoningTokens: 2n,
            costNanoUsd: 1_000n,
          },
        },
      ]);
    });

    it("stores a record once however often it is written", async () => {
      const record = usageRecord();
      await store.insertUsage([record]);
      await store.insertUsage([record, usageRecord()]);
      expect((await store.queryUsage(everything()))[0]?.totals.requests).toBe(2n);
    });

    it("filters by key, route, deployment id, model and a half-open time range", async () => {
      await store.insertUsage([
        usageRecord({ keyId: "key_a", startedAtMs: 1_000 }),
        usageRecord({ keyId: "key_b", startedAtMs: 2_000 }),
        usageRecord({ keyId: "key_a", startedAtMs: 3_000, route: "mini", model: "gpt-4o-mini", endpoint: "westeu", deployment: "mini" }),
      ]);
      const requests = async (query: Partial<UsageQuery>) => (await store.queryUsage(everything(query)))[0]?.totals.requests;
      expect(await requests({ keyIds: ["key_a"] })).toBe(2n);
      expect(await requests({ routes: ["mini"] })).toBe(1n);
      expect(await requests({ deployments: ["eastus/gpt4o-ptu"] })).toBe(2n);
      expect(await requests({ deployments: ["gpt4o-ptu"] })).toBe(0n);
      expect(await requests({ models: ["gpt-4o", "gpt-4o-mini"] })).toBe(3n);
      expect(await requests({ startMs: 2_000, endMs: 3_000 })).toBe(1n);
      expect(await requests({ startMs: 2_000 })).toBe(2n);
    });

    it("groups by dimensions and hour or day buckets, ordered", async () => {
      const hour = 3_600_000;
      const day0 = 1_750_032_000_000; // 2025-06-16T00:00:00Z
      await store.insertUsage([
        usageRecord({ keyId: "key_b", startedAtMs: day0 + 10, costNanoUsd: 5n }),
        usageRecord({ keyId: "key_a", startedAtMs: day0 + hour + 5, costNanoUsd: 7n }),
        usageRecord({ keyId: "key_a", startedAtMs: day0 + 20, costNanoUsd: 11n }),
        usageRecord({ keyId: "key_a", startedAtMs: day0 + 30, costNanoUsd: 13n, endpoint: "", deployment: "", model: "", status: "rate_limit_exceeded" }),
      ]);
      const byKeyAndHour = await store.queryUsage(everything({ groupBy: ["key"], bucket: "hour" }));
      expect(byKeyAndHour.map((g) => [g.bucketStartMs, g.keyId, g.totals.requests, g.totals.costNanoUsd])).toEqual([
        [day0, "key_a", 2n, 24n],
        [day0, "key_b", 1n, 5n],
        [day0 + hour, "key_a", 1n, 7n],
      ]);
      const byDeploymentAndDay = await store.queryUsage(everything({ groupBy: ["deployment", "model"], bucket: "day" }));
      expect(byDeploymentAndDay.map((g) => [g.bucketStartMs, g.deployment, g.model, g.totals.failedRequests])).toEqual([
        [day0, "", "", 1n],
        [day0, "eastus/gpt4o-ptu", "gpt-4o", 0n],
      ]);
      expect(byDeploymentAndDay[0]).not.toHaveProperty("keyId");
    });

    it("sums costs beyond 2^53 nano-dollars exactly", async () => {
      const big = 2n ** 53n + 1n;
      await store.insertUsage([usageRecord({ costNanoUsd: big }), usageRecord({ costNanoUsd: big })]);
      expect((await store.queryUsage(everything()))[0]?.totals.costNanoUsd).toBe(2n * big);
    });
  });
}
