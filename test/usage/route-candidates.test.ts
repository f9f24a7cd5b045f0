import { describe, expect, it } from "vitest";
import { DEFAULT_BREAKER_SETTINGS, DEFAULT_RETRY_POLICY, type PoolConfig, type RouteConfig } from "../../src/config/index.js";
import { routeCandidates } from "../../src/usage/index.js";

const settings = {
  strategy: "priority" as const,
  retry: DEFAULT_RETRY_POLICY,
  timeouts: { requestTimeoutMs: 1000, firstByteTimeoutMs: 1000, streamIdleTimeoutMs: 1000 },
};

function route(name: string, deployments: { endpoint: string; deployment: string; model: string }[]): RouteConfig {
  return { name, ...settings, deployments: deployments.map((d) => ({ ...d, priority: 0, weight: 1, pricing: undefined })) };
}

const pool: PoolConfig = {
  file: "tensorwall.yaml",
  endpoints: [],
  routes: [
    route("gpt-4o", [
      { endpoint: "eastus", deployment: "gpt4o-ptu", model: "gpt-4o" },
      { endpoint: "westeu", deployment: "gpt4o", model: "gpt-4o-2024-05-13" },
    ]),
    route("fast", [{ endpoint: "westeu", deployment: "mini", model: "gpt-4o-mini" }]),
  ],
  defaults: settings,
  breaker: DEFAULT_BREAKER_SETTINGS,
};

describe("routeCandidates", () => {
  it("gives a route's deployments, with or without the azure/ prefix", () => {
    const candidates = routeCandidates(pool);
    expect(candidates("gpt-4o", false).map((c) => c.model)).toEqual(["gpt-4o", "gpt-4o-2024-05-13"]);
    expect(candidates("azure/fast", false)).toEqual([{ endpoint: "westeu", deployment: "mini", model: "gpt-4o-mini" }]);
  });

  it("falls back to Azure deployments of that name, and to none", () => {
    const candidates = routeCandidates(pool);
    expect(candidates("azure/mini", false)).toEqual([{ endpoint: "westeu", deployment: "mini", model: "gpt-4o-mini" }]);
    expect(candidates("unknown", false)).toEqual([]);
    expect(candidates("azure/", false)).toEqual([]);
  });

  it("prices by the deployment name when there is no config file or the caller names its endpoint", () => {
    expect(routeCandidates(undefined)("azure/gpt-4o", false)).toEqual([{ endpoint: "default", deployment: "gpt-4o", model: "gpt-4o" }]);
    expect(routeCandidates(pool)("fast", true)).toEqual([{ endpoint: "request", deployment: "fast", model: "fast" }]);
  });
});
