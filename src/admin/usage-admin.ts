import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type AdminService,
  GetUsageResponseSchema,
  TimeBucket,
  UsageDimension as UsageDimensionMessage,
  UsageTotalsSchema,
  type GetUsageRequest,
  type UsageTotals as UsageTotalsMessage,
} from "../../gen/tensorwall/v1/admin_pb.js";
import { GatewayError } from "../errors/index.js";
import type { KeyRegistry } from "../keys/index.js";
import type { LedgerStore, UsageBucket, UsageDimension, UsageQuery, UsageTotals } from "../store/index.js";
import { formatUsd } from "../usage/index.js";
import { adminAuthenticator } from "./admin-authenticator.js";
import { optionalTimestampMs } from "./key-limits-input.js";

export type UsageAdminHandlers = Pick<ServiceImpl<typeof AdminService>, "getUsage">;

export interface UsageAdminOptions {
  readonly store: LedgerStore;
  /** Writes this replica's pending ledger records, so an answer includes every request it finished. */
  readonly flush: () => Promise<void>;
}

/** A ledger with no requests in it, for an AdminService built without one. */
export const NO_USAGE: UsageAdminOptions = {
  store: {
    insertUsage: async () => {},
    queryUsage: async (query) =>
      query.groupBy.length === 0 && query.bucket === undefined ? [{ totals: ZERO_TOTALS }] : [],
  },
  flush: async () => {},
};

/**
 * GetUsage over the usage ledger. Other replicas' records appear once their ledgers flush (every
 * second by default).
 */
export function usageAdminHandlers(registry: KeyRegistry, options: UsageAdminOptions): UsageAdminHandlers {
  const admin = adminAuthenticator(registry);
  return {
    async getUsage(request, ctx) {
      await admin(ctx);
      const query = usageQueryFromMessage(request);
      await options.flush();
      const groups = await options.store.queryUsage(query);
      let total = ZERO_TOTALS;
      for (const group of groups) total = addTotals(total, group.totals);
      return create(GetUsageResponseSchema, {
        rows: groups.map((group) => ({
          keyId: group.keyId ?? "",
          route: group.route ?? "",
          deployment: group.deployment ?? "",
          model: group.model ?? "",
          bucketStart: group.bucketStartMs === undefined ? undefined : timestampFromMs(group.bucketStartMs),
          totals: totalsMessage(group.totals),
        })),
        total: totalsMessage(total),
      });
    },
  };
}

function usageQueryFromMessage(request: GetUsageRequest): UsageQuery {
  const startMs = optionalTimestampMs(request.startTime);
  const endMs = optionalTimestampMs(request.endTime);
  if (startMs !== undefined && endMs !== undefined && startMs >= endMs) {
    throw new GatewayError("invalid_request", "start_time must be before end_time.", { param: "start_time" });
  }
  const bucket = bucketFromMessage(request.bucket);
  return {
    keyIds: request.keyIds,
    routes: request.routes,
    deployments: request.deployments,
    models: request.models,
    ...(startMs !== undefined && { startMs }),
    ...(endMs !== undefined && { endMs }),
    groupBy: request.groupBy.map((dimension, index) => dimensionFromMessage(dimension, index)),
    ...(bucket !== undefined && { bucket }),
  };
}

function dimensionFromMessage(dimension: UsageDimensionMessage, index: number): UsageDimension {
  switch (dimension) {
    case UsageDimensionMessage.KEY:
      return "key";
    case UsageDimensionMessage.ROUTE:
      return "route";
    case UsageDimensionMessage.DEPLOYMENT:
      return "deployment";
    case UsageDimensionMessage.MODEL:
      return "model";
    default:
      throw new GatewayError("invalid_request", `group_by[${index}] must be a USAGE_DIMENSION_… value other than UNSPECIFIED.`, {
        param: `group_by[${index}]`,
      });
  }
}

function bucketFromMessage(bucket: TimeBucket): UsageBucket | undefined {
  switch (bucket) {
    case TimeBucket.UNSPECIFIED:
      return undefined;
    case TimeBucket.HOUR:
      return "hour";
    case TimeBucket.DAY:
      return "day";
    default:
      throw new GatewayError("invalid_request", `Unknown time bucket ${String(bucket)}.`, { param: "bucket" });
  }
}

const ZERO_TOTALS: UsageTotals = {
  requests: 0n,
  failedRequests: 0n,
  promptTokens: 0n,
  cachedTokens: 0n,
  completionTokens: 0n,
  reasoningTokens: 0n,
  costNanoUsd: 0n,
};

function addTotals(a: UsageTotals, b: UsageTotals): UsageTotals {
  return {
    requests: a.requests + b.requests,
    failedRequests: a.failedRequests + b.failedRequests,
    promptTokens: a.promptTokens + b.promptTokens,
    cachedTokens: a.cachedTokens + b.cachedTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    reasoningTokens: a.reasoningTokens + b.reasoningTokens,
    costNanoUsd: a.costNanoUsd + b.costNanoUsd,
  };
}

function totalsMessage(totals: UsageTotals): UsageTotalsMessage {
  return create(UsageTotalsSchema, {
    requests: totals.requests,
    failedRequests: totals.failedRequests,
    promptTokens: totals.promptTokens,
    cachedTokens: totals.cachedTokens,
    completionTokens: totals.completionTokens,
    reasoningTokens: totals.reasoningTokens,
    costUsd: formatUsd(totals.costNanoUsd),
  });
}
