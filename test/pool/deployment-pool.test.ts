import type { JsonObject } from "@bufbuild/protobuf";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { AzureClient, EndpointAllowlist } from "../../src/azure/index.js";
import { GatewayError } from "../../src/errors/index.js";
import { DeploymentPool, RouteResolver, type AzureOverride, type UpstreamCall } from "../../src/pool/index.js";
import { startFakeAzure, type FakeAzure } from "../support/fake-azure.js";

const API_KEY = "fake-azure-key";
const hello: JsonObject = { messages: [{ role: "user", content: "Hello!" }] };
const UPSTREAM = { connectTimeoutMs: 2_000, firstByteTimeoutMs: 5_000, streamIdleTimeoutMs: 5_000, maxRetryAfterMs: 60_000 };

let fake: FakeAzure;
let azure: AzureClient;

beforeAll(async () => {
  fake = await startFakeAzure({ apiKey: API_KEY, deployments: ["gpt-4o", "gpt-4o-mini"] });
  azure = new AzureClient();
});
afterAll(async () => {
  await azure.close();
  await fake.close();
});
beforeEach(() => fake.reset());
afterEach(() => {
  vi.restoreAllMocks();
});

/** A pool with no config file: every call goes to the environment's endpoint (the fake). */
function environmentPool(): { pool: DeploymentPool; resolver: RouteResolver } {
  const resolver = new RouteResolver(
    { endpointUrl: fake.url, apiKey: API_KEY, apiVersion: "2024-10-21", region: "eastus", deployments: undefined },
    new EndpointAllowlist([fake.url]),
  );
  return { pool: new DeploymentPool({ azure, resolver, upstream: UPSTREAM }), resolver };
}

function call(override?: AzureOverride): UpstreamCall {
  return { signal: new AbortController().signal, override };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error.code;
    throw error;
  }
  return "ok";
}

describe("DeploymentPool with the environment's endpoint", () => {
  it("resolves a model name once, but a caller's endpoint or key on every call", async () => {
    const { pool, resolver } = environmentPool();
    const resolve = vi.spyOn(resolver, "resolve");
    for (let i = 0; i < 3; i++) await pool.complete("azure/gpt-4o", hello, call());
    expect(resolve).toHaveBeenCalledTimes(1);
    await pool.complete("gpt-4o-mini", hello, call());
    expect(resolve).toHaveBeenCalledTimes(2);
    for (const override of [{ endpointUrl: fake.url, apiKey: API_KEY }, { endpointUrl: undefined, apiKey: API_KEY }]) {
      await pool.complete("azure/gpt-4o", hello, call(override));
      await pool.complete("azure/gpt-4o", hello, call(override));
    }
    expect(resolve).toHaveBeenCalledTimes(6);
    expect(fake.requests).toHaveLength(8);
  });

  it("sends the next call at once after Azure asked a call to wait with a 429", async () => {
    const { pool } = environmentPool();
    fake.behave("gpt-4o", { kind: "status429", retryAfter: 30 });
    await expect(codeOf(pool.complete("azure/gpt-4o", hello, call()))).resolves.toBe("upstream_rate_limited");
    await expect(codeOf(pool.complete("azure/gpt-4o", hello, call()))).resolves.toBe("ok");
    expect(fake.requests).toHaveLength(2);
  });

  it("never opens a circuit: every call reaches Azure however many failed before it", async () => {
    const { pool } = environmentPool();
    fake.behave("gpt-4o", { kind: "status500" }, { times: 8 });
    for (let i = 0; i < 8; i++) {
      await expect(codeOf(pool.complete("azure/gpt-4o", hello, call()))).resolves.toBe("upstream_error");
    }
    await expect(codeOf(pool.complete("azure/gpt-4o", hello, call()))).resolves.toBe("ok");
    expect(fake.requests).toHaveLength(9);
  });
});
