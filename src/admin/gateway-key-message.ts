import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  BudgetPeriod,
  GatewayKeySchema,
  KeyLimitsSchema,
  KeyRole,
  type GatewayKey,
  type KeyLimits as KeyLimitsMessage,
} from "../../gen/tensorwall/v1/admin_pb.js";
import type { KeyLimits, KeyRecord } from "../store/index.js";
import { formatUsd } from "../usage/index.js";

/** The public view of a key record. It has no field for the secret or its hash, by design. */
export function toGatewayKeyMessage(record: KeyRecord): GatewayKey {
  return create(GatewayKeySchema, {
    id: record.id,
    name: record.name,
    role: record.role === "admin" ? KeyRole.ADMIN : KeyRole.CLIENT,
    allowedModels: [...record.allowedModels],
    createdAt: timestampFromMs(record.createdAtMs),
    revokedAt: record.revokedAtMs === undefined ? undefined : timestampFromMs(record.revokedAtMs),
    expiresAt: record.expiresAtMs === undefined ? undefined : timestampFromMs(record.expiresAtMs),
    limits: toKeyLimitsMessage(record.limits),
    previousSecretExpiresAt:
      record.previousSecretExpiresAtMs === undefined ? undefined : timestampFromMs(record.previousSecretExpiresAtMs),
  });
}

function toKeyLimitsMessage(limits: KeyLimits): KeyLimitsMessage {
  return create(KeyLimitsSchema, {
    requestsPerMinute: limits.requestsPerMinute,
    tokensPerMinute: limits.tokensPerMinute === undefined ? undefined : BigInt(limits.tokensPerMinute),
    budget:
      limits.budget === undefined
        ? undefined
        : {
            limitUsd: formatUsd(limits.budget.limitNanoUsd),
            period: limits.budget.period === "day" ? BudgetPeriod.DAY : BudgetPeriod.MONTH,
          },
  });
}
