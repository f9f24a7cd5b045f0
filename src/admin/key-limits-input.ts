import { timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { BudgetPeriod, type KeyLimits as KeyLimitsMessage } from "../../gen/tensorwall/v1/admin_pb.js";
import { GatewayError } from "../errors/index.js";
import type { KeyLimits } from "../store/index.js";
import { parseUsd } from "../usage/index.js";

/**
 * CreateKey's limits as the key registry takes them. Only the wire format is checked here (the
 * dollar string, the enum); the registry checks the ranges.
 */
export function keyLimitsFromMessage(message: KeyLimitsMessage | undefined): KeyLimits {
  if (message === undefined) return {};
  const budget = message.budget;
  let limitNanoUsd: bigint | undefined;
  if (budget !== undefined) {
    try {
      limitNanoUsd = parseUsd(budget.limitUsd);
    } catch (error) {
      throw new GatewayError("invalid_request", `limits.budget.limit_usd: ${(error as Error).message}.`, {
        param: "limits.budget.limit_usd",
      });
    }
  }
  return {
    ...(message.requestsPerMinute !== undefined && { requestsPerMinute: message.requestsPerMinute }),
    ...(message.tokensPerMinute !== undefined && { tokensPerMinute: safeNumber(message.tokensPerMinute) }),
    ...(budget !== undefined && limitNanoUsd !== undefined && {
      budget: { limitNanoUsd, period: budgetPeriodFromMessage(budget.period) },
    }),
  };
}

/** A timestamp field as milliseconds, or undefined when unset. */
export function optionalTimestampMs(timestamp: Timestamp | undefined): number | undefined {
  return timestamp === undefined ? undefined : timestampMs(timestamp);
}

function budgetPeriodFromMessage(period: BudgetPeriod): "day" | "month" {
  switch (period) {
    case BudgetPeriod.DAY:
      return "day";
    case BudgetPeriod.MONTH:
      return "month";
    default:
      throw new GatewayError("invalid_request", "A budget needs a period: BUDGET_PERIOD_DAY or BUDGET_PERIOD_MONTH.", {
        param: "limits.budget.period",
      });
  }
}

// Beyond 2^53 the registry's range check refuses it anyway; NaN-free conversion keeps that message.
function safeNumber(value: bigint): number {
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}
