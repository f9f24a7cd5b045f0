import type { UsageRecord } from "../../src/store/index.js";

let requestCounter = 0;

/** A ledger record of a unary gpt-4o request with a fresh id; `overrides` replace any field. */
export function usageRecord(overrides: Partial<UsageRecord> = {}): UsageRecord {
  requestCounter += 1;
  return {
    requestId: `req_${requestCounter}`,
    startedAtMs: 1_750_000_000_000,
    keyId: "key_a",
    route: "gpt-4o",
    endpoint: "eastus",
    deployment: "gpt4o-ptu",
    region: "eastus",
    model: "gpt-4o",
    streamed: false,
    status: "ok",
    promptTokens: 10,
    cachedTokens: 2,
    completionTokens: 5,
    reasoningTokens: 1,
    usageEstimated: false,
    costNanoUsd: 1_000n,
    latencyMs: 120,
    ttfbMs: 80,
    attempts: 1,
    ...overrides,
  };
}
