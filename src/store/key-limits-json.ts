import type { KeyLimits } from "./key-record.js";

/**
 * The JSON text a key's limits are stored as, in both SQL stores. The budget travels as a string
 * because JSON numbers cannot hold every int64 exactly.
 */
export function keyLimitsToJson(limits: KeyLimits): string {
  return JSON.stringify({
    requestsPerMinute: limits.requestsPerMinute,
    tokensPerMinute: limits.tokensPerMinute,
    budget:
      limits.budget === undefined
        ? undefined
        : { limitNanoUsd: limits.budget.limitNanoUsd.toString(), period: limits.budget.period },
  });
}

/** Reads what keyLimitsToJson wrote; throws naming the key when the stored text was damaged. */
export function keyLimitsFromJson(json: string, keyId: string): KeyLimits {
  const damaged = (): never => {
    throw new Error(`gateway_keys.limits of key '${keyId}' is not valid limits JSON: ${json}`);
  };
  const parsed: unknown = JSON.parse(json);
  if (!isRecord(parsed)) return damaged();
  const { requestsPerMinute, tokensPerMinute, budget } = parsed;
  const limits: { -readonly [K in keyof KeyLimits]: KeyLimits[K] } = {};
  if (requestsPerMinute !== undefined) {
    if (!isPositiveInteger(requestsPerMinute)) return damaged();
    limits.requestsPerMinute = requestsPerMinute;
  }
  if (tokensPerMinute !== undefined) {
    if (!isPositiveInteger(tokensPerMinute)) return damaged();
    limits.tokensPerMinute = tokensPerMinute;
  }
  if (budget !== undefined) {
    if (!isRecord(budget) || typeof budget.limitNanoUsd !== "string" || !/^\d+$/.test(budget.limitNanoUsd)) return damaged();
    if (budget.period !== "day" && budget.period !== "month") return damaged();
    limits.budget = { limitNanoUsd: BigInt(budget.limitNanoUsd), period: budget.period };
  }
  return limits;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0;
}
