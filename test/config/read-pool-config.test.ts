import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, poolConfigFrom, type PoolConfigContext } from "../../src/config/index.js";

const dir = mkdtempSync(join(tmpdir(), "tensorwall-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const context: PoolConfigContext = {
  env: { AZURE_KEY_EASTUS: "key-east" },
  apiVersion: "2024-10-21",
  firstByteTimeoutMs: 120_000,
  streamIdleTimeoutMs: 30_000,
};

const valid = {
  endpoints: {
    eastus: { url: "https://contoso-eastus.openai.azure.com/", region: "eastus", api_key_env: "AZURE_KEY_EASTUS" },
    westeu: { url: "https://contoso-weu.openai.azure.com", region: "westeurope", auth: "managed_identity", client_id: "1234" },
  },
  routes: {
    "gpt-4o": {
      strategy: "priority",
      deployments: [
        { endpoint: "eastus", deployment: "gpt4o-ptu", model: "gpt-4o", priority: 0 },
        { endpoint: "westeu", deployment: "gpt4o-paygo", model: "gpt-4o", priority: 1 },
      ],
    },
  },
};

function withRoute(deployments: unknown[]): unknown {
  return { ...valid, routes: { "gpt-4o": { deployments } } };
}

describe("the pool config file", () => {
  it("reads the issue's example shape with defaults filled in", () => {
    const config = poolConfigFrom(valid, "pool.yaml", context);
    expect(config.endpoints).toEqual([
      { name: "eastus", url: "https://contoso-eastus.openai.azure.com", region: "eastus", apiVersion: "2024-10-21", auth: { kind: "api_key", envName: "AZURE_KEY_EASTUS", apiKey: "key-east" } },
      { name: "westeu", url: "https://contoso-weu.openai.azure.com", region: "westeurope", apiVersion: "2024-10-21", auth: { kind: "managed_identity", clientId: "1234" } },
    ]);
    expect(config.routes[0]).toMatchObject({
      name: "gpt-4o",
      strategy: "priority",
      retry: { maxAttempts: 3 },
      timeouts: { requestTimeoutMs: 600_000, firstByteTimeoutMs: 120_000, streamIdleTimeoutMs: 30_000 },
    });
    expect(config.routes[0]?.deployments[1]).toEqual({ endpoint: "westeu", deployment: "gpt4o-paygo", model: "gpt-4o", priority: 1, weight: 1 });
    expect(config.breaker.halfOpenProbes).toBe(1);
  });

  it("lets defaults: set every route's strategy, retry and timeouts, and a route override them", () => {
    const config = poolConfigFrom(
      {
        ...valid,
        defaults: { strategy: "least_latency", retry: { max_attempts: 5 }, timeouts: { first_byte_ms: 5000 } },
        routes: {
          a: { deployments: [{ endpoint: "eastus", deployment: "x" }] },
          b: { strategy: "round_robin", timeouts: { first_byte_ms: 9000 }, deployments: [{ endpoint: "eastus", deployment: "y" }] },
        },
      },
      "pool.yaml",
      context,
    );
    expect(config.routes.map((route) => [route.strategy, route.retry.maxAttempts, route.timeouts.firstByteTimeoutMs])).toEqual([
      ["least_latency", 5, 5000],
      ["round_robin", 5, 9000],
    ]);
    expect(config.routes[0]?.deployments[0]?.model).toBe("x");
  });

  it.each([
    ["an unknown endpoint", withRoute([{ endpoint: "eastus", deployment: "a" }, { endpoint: "westus", deployment: "b" }]), 'routes.gpt-4o.deployments[1].endpoint: unknown endpoint "westus"; expected one of eastus, westeu'],
    ["a misspelt setting", { ...valid, routes: { "gpt-4o": { stratgy: "priority", deployments: [] } } }, "routes.gpt-4o.stratgy: unknown setting"],
    ["an unknown strategy", { ...valid, routes: { "gpt-4o": { strategy: "fastest", deployments: [] } } }, 'routes.gpt-4o.strategy: expected one of priority, round_robin, weighted, least_busy, least_latency, got "fastest"'],
    ["a route without deployments", { ...valid, routes: { "gpt-4o": {} } }, "routes.gpt-4o.deployments: at least one deployment is required"],
    ["a key written inline", { ...valid, endpoints: { eastus: { url: "https://e.openai.azure.com", api_key: "sk-secret" } } }, "endpoints.eastus.api_key: keys are not accepted inline"],
    ["a key variable that is not set", { ...valid, endpoints: { eastus: { url: "https://e.openai.azure.com", api_key_env: "NOPE" } } }, "endpoints.eastus.api_key_env: environment variable NOPE is not set"],
    ["an endpoint without auth", { ...valid, endpoints: { eastus: { url: "https://e.openai.azure.com" } } }, "endpoints.eastus: needs api_key_env"],
    ["an unknown auth", { ...valid, endpoints: { eastus: { url: "https://e.openai.azure.com", auth: "password" } } }, 'endpoints.eastus.auth: expected one of api_key, managed_identity, default_credential, got "password"'],
    ["a bad URL", { ...valid, endpoints: { eastus: { url: "contoso", api_key_env: "AZURE_KEY_EASTUS" } } }, "endpoints.eastus.url: expected a URL"],
    ["a bad api_version", { ...valid, endpoints: { eastus: { url: "https://e.openai.azure.com", api_version: "latest", api_key_env: "AZURE_KEY_EASTUS" } } }, 'endpoints.eastus.api_version: expected "v1" or a dated version'],
    ["a zero weight", withRoute([{ endpoint: "eastus", deployment: "a", weight: 0 }]), "routes.gpt-4o.deployments[0].weight: expected a number above 0 to 1000000, got 0"],
    ["a repeated deployment", withRoute([{ endpoint: "eastus", deployment: "a" }, { endpoint: "eastus", deployment: "a" }]), "routes.gpt-4o.deployments[1]: repeats eastus/a, already listed at routes.gpt-4o.deployments[0]"],
    ["a fractional attempt count", { ...valid, defaults: { retry: { max_attempts: 1.5 } } }, "defaults.retry.max_attempts: expected a whole number from 1 to 20, got 1.5"],
    ["a backoff base above its maximum", { ...valid, defaults: { retry: { backoff_base_ms: 500, backoff_max_ms: 100 } } }, "defaults.retry.backoff_base_ms: must not exceed backoff_max_ms (100)"],
    ["an out-of-range breaker setting", { ...valid, breaker: { half_open_probes: 0 } }, "breaker.half_open_probes: expected a whole number from 1 to 1000, got 0"],
    ["a route named with the azure/ prefix", { ...valid, routes: { "azure/gpt-4o": { deployments: [] } } }, "routes.azure/gpt-4o: a route name is the model name callers send"],
    ["no routes", { endpoints: valid.endpoints }, "routes: at least one route is required"],
  ])("refuses %s, naming the setting", (_what, value, message) => {
    expect(() => poolConfigFrom(value, "pool.yaml", context)).toThrow(ConfigError);
    expect(() => poolConfigFrom(value, "pool.yaml", context)).toThrow(message);
  });

  it("refuses one Azure deployment declared with two different models", () => {
    const value = {
      ...valid,
      routes: {
        a: { deployments: [{ endpoint: "eastus", deployment: "shared", model: "gpt-4o" }] },
        b: { deployments: [{ endpoint: "eastus", deployment: "shared", model: "gpt-4o-mini" }] },
      },
    };
    expect(() => poolConfigFrom(value, "pool.yaml", context)).toThrow(
      'routes.b.deployments[0].model: "gpt-4o-mini" differs from "gpt-4o" given for eastus/shared at routes.a.deployments[0].model',
    );
  });

  it("reads a deployment's pricing override, numbers or strings, cached input optional", () => {
    const config = poolConfigFrom(
      withRoute([
        { endpoint: "eastus", deployment: "ptu", model: "gpt-4o", pricing: { input: 0, output: 0 } },
        { endpoint: "westeu", deployment: "paygo", model: "gpt-4o", pricing: { input: "2.50", cached_input: 1.25, output: "10" } },
        { endpoint: "westeu", deployment: "plain", model: "gpt-4o" },
      ]),
      "pool.yaml",
      context,
    );
    expect(config.routes[0]!.deployments.map((d) => d.pricing)).toEqual([
      { input: "0", output: "0" },
      { input: "2.50", cachedInput: "1.25", output: "10" },
      undefined,
    ]);
  });

  it.each([
    [{ input: "2.5001", output: "10" }, "routes.gpt-4o.deployments[0].pricing.input: expected US dollars per 1M tokens"],
    [{ input: -1, output: "10" }, "routes.gpt-4o.deployments[0].pricing.input: expected US dollars per 1M tokens"],
    [{ input: "1" }, "routes.gpt-4o.deployments[0].pricing.output: expected US dollars per 1M tokens"],
    [{ input: "1", output: "1", per: "token" }, "routes.gpt-4o.deployments[0].pricing"],
  ])("refuses the pricing %j naming the setting", (pricing, message) => {
    const value = withRoute([{ endpoint: "eastus", deployment: "ptu", model: "gpt-4o", pricing }]);
    expect(() => poolConfigFrom(value, "pool.yaml", context)).toThrow(message);
  });

  it("refuses one Azure deployment priced differently in two routes", () => {
    const value = {
      ...valid,
      routes: {
        a: { deployments: [{ endpoint: "eastus", deployment: "shared", model: "gpt-4o", pricing: { input: 0, output: 0 } }] },
        b: { deployments: [{ endpoint: "eastus", deployment: "shared", model: "gpt-4o" }] },
      },
    };
    expect(() => poolConfigFrom(value, "pool.yaml", context)).toThrow(
      "routes.b.deployments[0].pricing: differs from the pricing given for eastus/shared",
    );
  });
});

describe("TENSORWALL_CONFIG", () => {
  const yaml = `
endpoints:
  eastus: { url: https://contoso-eastus.openai.azure.com, region: eastus, api_key_env: AZURE_KEY_EASTUS }
  westeu: { url: https://contoso-weu.openai.azure.com, region: westeurope, auth: managed_identity }
routes:
  gpt-4o:
    strategy: priority
    deployments:
      - { endpoint: eastus, deployment: gpt4o-ptu, model: gpt-4o, priority: 0 }
      - { endpoint: westeu, deployment: gpt4o-paygo, model: gpt-4o, priority: 1 }
`;

  it("loads a YAML file into the gateway config", () => {
    const config = loadConfig({ TENSORWALL_CONFIG: file("pool.yaml", yaml), AZURE_KEY_EASTUS: "k" });
    expect(config.pool?.routes.map((route) => route.name)).toEqual(["gpt-4o"]);
    expect(config.pool?.file).toContain("pool.yaml");
  });

  it("loads a JSON file the same way", () => {
    const config = loadConfig({ TENSORWALL_CONFIG: file("pool.json", JSON.stringify(valid)), AZURE_KEY_EASTUS: "k" });
    expect(config.pool?.endpoints).toHaveLength(2);
  });

  it("stays unset without the variable: the environment serves one deployment per call", () => {
    expect(loadConfig({}).pool).toBeUndefined();
  });

  it("stops start-up with the setting path of the first problem", () => {
    const bad = yaml.replace("- { endpoint: westeu", "- { endpoint: westus");
    expect(() => loadConfig({ TENSORWALL_CONFIG: file("bad.yaml", bad), AZURE_KEY_EASTUS: "k" })).toThrow(
      'routes.gpt-4o.deployments[1].endpoint: unknown endpoint "westus"; expected one of eastus, westeu',
    );
  });

  it("names the file and the line of a YAML syntax error", () => {
    const path = file("broken.yaml", "endpoints:\n  eastus: { url: https://x\nroutes: {}\n");
    expect(() => loadConfig({ TENSORWALL_CONFIG: path })).toThrow(/^TENSORWALL_CONFIG: ".*broken\.yaml" is not valid YAML or JSON: .*line \d+/);
  });

  it("names a file it cannot read", () => {
    expect(() => loadConfig({ TENSORWALL_CONFIG: join(dir, "missing.yaml") })).toThrow(/TENSORWALL_CONFIG: could not read ".*missing\.yaml" \(ENOENT\)/);
  });

  it("refuses AZURE_OPENAI_ENDPOINT alongside a config file", () => {
    expect(() => loadConfig({ TENSORWALL_CONFIG: file("pool2.yaml", yaml), AZURE_OPENAI_ENDPOINT: "https://x.openai.azure.com", AZURE_KEY_EASTUS: "k" })).toThrow(
      "AZURE_OPENAI_ENDPOINT: cannot be combined with TENSORWALL_CONFIG",
    );
  });
});
