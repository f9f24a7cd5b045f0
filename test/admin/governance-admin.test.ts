import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AdminService, BudgetPeriod, TimeBucket, UsageDimension } from "../../gen/tensorwall/v1/admin_pb.js";
import { createAdminService, NO_DEPLOYMENTS } from "../../src/admin/index.js";
import { toConnectError } from "../../src/errors/index.js";
import { KeyRegistry } from "../../src/keys/index.js";
import { SqliteStore } from "../../src/store/index.js";
import { usageRecord } from "../support/usage-record.js";

async function failure(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("expected the call to fail");
}

describe("AdminService governance", () => {
  let nowMs: number;
  let store: SqliteStore;
  let registry: KeyRegistry;
  let client: Client<typeof AdminService>;
  let asAdmin: { headers: Record<string, string> };
  let flushes: number;

  beforeEach(async () => {
    nowMs = Date.parse("2025-06-16T12:00:00Z");
    store = new SqliteStore(":memory:");
    registry = new KeyRegistry({ store, clock: () => nowMs });
    const generated = (await registry.ensureAdminKey()).generatedSecret!;
    asAdmin = { headers: { authorization: `Bearer ${generated}` } };
    flushes = 0;
    const usage = {
      store,
      flush: async () => {
        flushes += 1;
      },
    };
    const transport = createRouterTransport(
      (router) => {
        router.service(AdminService, createAdminService(registry, NO_DEPLOYMENTS, usage));
      },
      // The server's own interceptor does this; without it a GatewayError reaches the client as "internal".
      { router: { interceptors: [(next) => async (request) => next(request).catch((error: unknown) => Promise.reject(toConnectError(error)))] } },
    );
    client = createClient(AdminService, transport);
  });
  afterEach(async () => {
    await store.close();
  });

  describe("CreateKey", () => {
    it("keeps limits and expiry, with the budget as an exact decimal", async () => {
      const response = await client.createKey(
        {
          name: "team",
          expiresAt: timestampFromMs(nowMs + 86_400_000),
          limits: { requestsPerMinute: 60, tokensPerMinute: 150_000n, budget: { limitUsd: "25.5", period: BudgetPeriod.MONTH } },
        },
        asAdmin,
      );
      expect(response.key?.limits).toMatchObject({ requestsPerMinute: 60, tokensPerMinute: 150_000n, budget: { limitUsd: "25.50", period: BudgetPeriod.MONTH } });
      expect(timestampMs(response.key!.expiresAt!)).toBe(nowMs + 86_400_000);
      await expect(registry.authenticate(response.secret)).resolves.toMatchObject({
        limits: { requestsPerMinute: 60, tokensPerMinute: 150_000, budget: { limitNanoUsd: 25_500_000_000n, period: "month" } },
      });
    });

    it("answers InvalidArgument naming the field for a bad budget, period, limit or expiry", async () => {
      const cases: [object, string][] = [
        [{ limits: { budget: { limitUsd: "ten", period: BudgetPeriod.DAY } } }, "limits.budget.limit_usd"],
        [{ limits: { budget: { limitUsd: "0.0000000001", period: BudgetPeriod.DAY } } }, "limits.budget.limit_usd"],
        [{ limits: { budget: { limitUsd: "10" } } }, "limits.budget.period"],
        [{ limits: { requestsPerMinute: -1 } }, "limits.requests_per_minute"],
        [{ limits: { tokensPerMinute: 2n ** 62n } }, "limits.tokens_per_minute"],
        [{ expiresAt: timestampFromMs(nowMs - 1) }, "expires_at"],
      ];
      for (const [fields, param] of cases) {
        const error = await failure(client.createKey({ name: "x", ...fields }, asAdmin));
        expect(error.code, param).toBe(Code.InvalidArgument);
        expect(error.metadata.get("tensorwall-error-param")).toBe(param);
      }
    });
  });

  describe("RotateKey", () => {
    it("returns a new secret once and keeps the old one for the grace period it was given", async () => {
      const created = await client.createKey({ name: "rotating" }, asAdmin);
      const rotated = await client.rotateKey({ id: created.key!.id, gracePeriodSeconds: 30n }, asAdmin);
      expect(rotated.secret).toMatch(/^gw_/);
      expect(rotated.secret).not.toBe(created.secret);
      expect(timestampMs(rotated.key!.previousSecretExpiresAt!)).toBe(nowMs + 30_000);
      await expect(registry.authenticate(created.secret)).resolves.toBeDefined();
      nowMs += 30_000;
      await expect(registry.authenticate(created.secret)).rejects.toMatchObject({ code: "invalid_api_key" });
      await expect(registry.authenticate(rotated.secret)).resolves.toBeDefined();
    });

    it("defaults to an hour of grace, and answers for unknown ids and bad grace periods", async () => {
      const created = await client.createKey({ name: "rotating" }, asAdmin);
      const rotated = await client.rotateKey({ id: created.key!.id }, asAdmin);
      expect(timestampMs(rotated.key!.previousSecretExpiresAt!)).toBe(nowMs + 3_600_000);
      expect((await failure(client.rotateKey({ id: "key_nope" }, asAdmin))).code).toBe(Code.NotFound);
      expect((await failure(client.rotateKey({ id: created.key!.id, gracePeriodSeconds: -1n }, asAdmin))).code).toBe(Code.InvalidArgument);
    });
  });

  describe("GetUsage", () => {
    const hour = 3_600_000;
    const day0 = Date.parse("2025-06-16T00:00:00Z");

    beforeEach(async () => {
      await store.insertUsage([
        usageRecord({ keyId: "key_a", startedAtMs: day0 + 1, costNanoUsd: 1_250_000n, promptTokens: 100, completionTokens: 10 }),
        usageRecord({ keyId: "key_a", startedAtMs: day0 + hour + 1, costNanoUsd: 75n, model: "gpt-4o-mini", route: "mini", endpoint: "westeu", deployment: "mini" }),
        usageRecord({ keyId: "key_b", startedAtMs: day0 + 2, costNanoUsd: 0n, status: "rate_limit_exceeded", endpoint: "", deployment: "", model: "" }),
      ]);
    });

    it("writes the replica's pending records first, then totals everything", async () => {
      const answer = await client.getUsage({}, asAdmin);
      expect(flushes).toBe(1);
      expect(answer.rows).toHaveLength(1);
      expect(answer.total).toMatchObject({ requests: 3n, failedRequests: 1n, costUsd: "0.001250075" });
    });

    it("groups by deployment and hour, and filters by route and time", async () => {
      const answer = await client.getUsage(
        { groupBy: [UsageDimension.DEPLOYMENT], bucket: TimeBucket.HOUR, startTime: timestampFromMs(day0), endTime: timestampFromMs(day0 + 2 * hour) },
        asAdmin,
      );
      expect(answer.rows.map((row) => [timestampMs(row.bucketStart!), row.deployment, row.keyId, row.totals?.costUsd])).toEqual([
        [day0, "", "", "0.00"],
        [day0, "eastus/gpt4o-ptu", "", "0.00125"],
        [day0 + hour, "westeu/mini", "", "0.000000075"],
      ]);
      const mini = await client.getUsage({ routes: ["mini"], groupBy: [UsageDimension.ROUTE, UsageDimension.MODEL] }, asAdmin);
      expect(mini.rows.map((row) => [row.route, row.model, row.totals?.requests])).toEqual([["mini", "gpt-4o-mini", 1n]]);
    });

    it("answers InvalidArgument for an unspecified dimension or an empty time range", async () => {
      expect((await failure(client.getUsage({ groupBy: [UsageDimension.UNSPECIFIED] }, asAdmin))).code).toBe(Code.InvalidArgument);
      expect(
        (await failure(client.getUsage({ startTime: timestampFromMs(day0), endTime: timestampFromMs(day0) }, asAdmin))).code,
      ).toBe(Code.InvalidArgument);
    });
  });
});
