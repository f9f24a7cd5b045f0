import { readFileSync } from "node:fs";
import { parse, YAMLParseError } from "yaml";
import { apiVersion, endpointUrl } from "./azure-endpoint-settings.js";
import { ConfigError } from "./config-error.js";
import {
  DEFAULT_BREAKER_SETTINGS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RETRY_POLICY,
  ROUTING_STRATEGIES,
  type BreakerSettings,
  type DeploymentPricing,
  type EndpointAuth,
  type EndpointConfig,
  type PoolConfig,
  type RetryPolicy,
  type RouteConfig,
  type RouteDeploymentConfig,
  type RouteSettings,
  type RouteTimeouts,
} from "./pool-config.js";
import { SettingReader } from "./setting-reader.js";

type Env = Readonly<Record<string, string | undefined>>;

/** What the environment contributes to a config file: its defaults and its secrets. */
export interface PoolConfigContext {
  /** Where api_key_env names are looked up. */
  readonly env: Env;
  /** The api_version of endpoints that name none. */
  readonly apiVersion: string;
  /** first_byte_ms and between_chunks_ms of routes that name none. */
  readonly firstByteTimeoutMs: number;
  readonly streamIdleTimeoutMs: number;
}

const ENDPOINT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const AUTH_KINDS = ["api_key", "managed_identity", "default_credential"] as const;

/** Reads the YAML (or JSON, which is YAML) file TENSORWALL_CONFIG names. Throws ConfigError. */
export function readPoolConfigFile(file: string, context: PoolConfigContext): PoolConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as { code?: unknown }).code;
    throw new ConfigError("TENSORWALL_CONFIG", `could not read "${file}"${typeof reason === "string" ? ` (${reason})` : ""}`);
  }
  let value: unknown;
  try {
    value = parse(text, { uniqueKeys: true });
  } catch (error) {
    const detail = error instanceof YAMLParseError ? error.message.split("\n")[0] : String(error);
    throw new ConfigError("TENSORWALL_CONFIG", `"${file}" is not valid YAML or JSON: ${detail}`);
  }
  return poolConfigFrom(value, file, context);
}

/** Validates a parsed config file. Every error names the setting at fault. */
export function poolConfigFrom(value: unknown, file: string, context: PoolConfigContext): PoolConfig {
  const root = new SettingReader("", value ?? {}).allow("endpoints", "routes", "defaults", "breaker");
  const endpoints = readEndpoints(root, context);
  const defaults = readRouteDefaults(root.object("defaults"), context);
  const routes = readRoutes(root, endpoints, defaults);
  const breaker = readBreaker(root.object("breaker"));
  return { file, endpoints: [...endpoints.values()], routes, defaults, breaker };
}

function readEndpoints(root: SettingReader, context: PoolConfigContext): Map<string, EndpointConfig> {
  const section = root.object("endpoints");
  const endpoints = new Map<string, EndpointConfig>();
  for (const name of section.keys()) {
    if (!ENDPOINT_NAME.test(name)) {
      throw new ConfigError(section.at(name), "endpoint names use letters, digits, '.', '_' and '-'");
    }
    const reader = section.object(name).allow("url", "region", "api_version", "api_key_env", "auth", "client_id", "api_key");
    const endpoint: EndpointConfig = {
      name,
      url: endpointUrl(reader.at("url"), reader.requiredString("url")),
      region: reader.string("region") ?? "",
      apiVersion: apiVersion(reader.at("api_version"), reader.string("api_version") ?? context.apiVersion),
      auth: readAuth(reader, context.env),
    };
    endpoints.set(name, endpoint);
  }
  if (endpoints.size === 0) throw new ConfigError("endpoints", "at least one endpoint is required");
  return endpoints;
}

function readAuth(reader: SettingReader, env: Env): EndpointAuth {
  if (reader.has("api_key")) {
    throw new ConfigError(
      reader.at("api_key"),
      "keys are not accepted inline; put the key in an environment variable and name it with api_key_env",
    );
  }
  const envName = reader.string("api_key_env");
  const clientId = reader.string("client_id");
  const kind = reader.has("auth") ? reader.oneOf("auth", AUTH_KINDS, "api_key") : envName === undefined ? undefined : "api_key";
  if (kind === undefined) {
    throw new ConfigError(reader.path, "needs api_key_env (the environment variable holding its key) or auth: managed_identity / default_credential");
  }
  if (clientId !== undefined && kind !== "managed_identity") {
    throw new ConfigError(reader.at("client_id"), "only applies to auth: managed_identity");
  }
  switch (kind) {
    case "api_key": {
      if (envName === undefined) throw new ConfigError(reader.at("api_key_env"), "is required with auth: api_key");
      const apiKey = env[envName]?.trim();
      if (apiKey === undefined || apiKey === "") {
        throw new ConfigError(reader.at("api_key_env"), `environment variable ${envName} is not set`);
      }
      return { kind, envName, apiKey };
    }
    case "managed_identity":
    case "default_credential":
      if (envName !== undefined) throw new ConfigError(reader.at("api_key_env"), `does not apply to auth: ${kind}`);
      return kind === "managed_identity" ? { kind, clientId } : { kind };
  }
}

function readRouteDefaults(reader: SettingReader, context: PoolConfigContext): RouteSettings {
  reader.allow("strategy", "retry", "timeouts");
  return {
    strategy: reader.oneOf("strategy", ROUTING_STRATEGIES, "priority"),
    retry: readRetry(reader.object("retry"), DEFAULT_RETRY_POLICY),
    timeouts: readTimeouts(reader.object("timeouts"), {
      requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
      firstByteTimeoutMs: context.firstByteTimeoutMs,
      streamIdleTimeoutMs: context.streamIdleTimeoutMs,
    }),
  };
}

/** What must agree wherever one Azure deployment is listed. */
interface DeploymentIdentity {
  readonly model: string;
  /** The pricing as JSON, for comparison. */
  readonly pricing: string;
  readonly setting: string;
}

function readRoutes(root: SettingReader, endpoints: Map<string, EndpointConfig>, defaults: RouteSettings): RouteConfig[] {
  const section = root.object("routes");
  // One Azure deployment serves one model, whichever routes list it.
  const models = new Map<string, DeploymentIdentity>();
  const routes = section.keys().map((name): RouteConfig => {
    if (name.trim() === "" || name.startsWith("azure/")) {
      throw new ConfigError(section.at(name), "a route name is the model name callers send, without the azure/ prefix");
    }
    const reader = section.object(name).allow("strategy", "retry", "timeouts", "deployments");
    return {
      name,
      strategy: reader.oneOf("strategy", ROUTING_STRATEGIES, defaults.strategy),
      retry: readRetry(reader.object("retry"), defaults.retry),
      timeouts: readTimeouts(reader.object("timeouts"), defaults.timeouts),
      deployments: readRouteDeployments(reader, endpoints, models),
    };
  });
  if (routes.length === 0) throw new ConfigError("routes", "at least one route is required");
  return routes;
}

function readRouteDeployments(
  route: SettingReader,
  endpoints: Map<string, EndpointConfig>,
  models: Map<string, DeploymentIdentity>,
): RouteDeploymentConfig[] {
  const readers = route.list("deployments");
  if (readers.length === 0) throw new ConfigError(route.at("deployments"), "at least one deployment is required");
  const seen = new Map<string, string>();
  return readers.map((reader) => {
    reader.allow("endpoint", "deployment", "model", "priority", "weight", "pricing");
    const endpoint = reader.requiredString("endpoint");
    if (!endpoints.has(endpoint)) {
      throw new ConfigError(
        reader.at("endpoint"),
        `unknown endpoint ${JSON.stringify(endpoint)}; expected one of ${[...endpoints.keys()].join(", ")}`,
      );
    }
    const deployment = reader.requiredString("deployment");
    const id = `${endpoint}/${deployment}`;
    const twin = seen.get(id);
    if (twin !== undefined) throw new ConfigError(reader.path, `repeats ${id}, already listed at ${twin}`);
    seen.set(id, reader.path);
    const model = reader.string("model") ?? deployment;
    const known = models.get(id);
    if (known !== undefined && known.model !== model) {
      throw new ConfigError(
        reader.at("model"),
        `${JSON.stringify(model)} differs from ${JSON.stringify(known.model)} given for ${id} at ${known.setting}; one Azure deployment serves one model`,
      );
    }
    const pricing = reader.has("pricing") ? readPricing(reader.object("pricing")) : undefined;
    const pricingText = JSON.stringify(pricing ?? null);
    if (known !== undefined && known.pricing !== pricingText) {
      throw new ConfigError(
        reader.at("pricing"),
        `differs from the pricing given for ${id} at ${known.setting}; one Azure deployment has one price`,
      );
    }
    models.set(id, { model, pricing: pricingText, setting: reader.at("model") });
    return {
      endpoint,
      deployment,
      model,
      priority: reader.integer("priority", 0, { min: 0, max: 1000 }),
      weight: reader.number("weight", 1, { min: 0, max: 1_000_000, exclusiveMin: true }),
      pricing,
    };
  });
}

// Three decimal places per 1M tokens keeps every cost a whole number of nano-dollars (src/usage).
const PRICE = /^\d{1,6}(\.\d{1,3})?$/;

function readPricing(reader: SettingReader): DeploymentPricing {
  reader.allow("input", "cached_input", "output");
  const price = (key: string, required: boolean): string | undefined => {
    const raw = reader.raw(key);
    if (raw === undefined && !required) return undefined;
    const text = typeof raw === "number" ? String(raw) : raw;
    if (typeof text !== "string" || !PRICE.test(text)) {
      throw new ConfigError(
        reader.at(key),
        `expected US dollars per 1M tokens with at most three decimal places, e.g. 2.50, got ${JSON.stringify(raw ?? null)}`,
      );
    }
    return text;
  };
  const cachedInput = price("cached_input", false);
  return {
    input: price("input", true)!,
    ...(cachedInput !== undefined && { cachedInput }),
    output: price("output", true)!,
  };
}

function readRetry(reader: SettingReader, fallback: RetryPolicy): RetryPolicy {
  reader.allow("max_attempts", "backoff_base_ms", "backoff_max_ms");
  const retry: RetryPolicy = {
    maxAttempts: reader.integer("max_attempts", fallback.maxAttempts, { min: 1, max: 20 }),
    backoffBaseMs: reader.integer("backoff_base_ms", fallback.backoffBaseMs, { min: 0, max: 60_000 }),
    backoffMaxMs: reader.integer("backoff_max_ms", fallback.backoffMaxMs, { min: 0, max: 600_000 }),
  };
  if (retry.backoffBaseMs > retry.backoffMaxMs) {
    throw new ConfigError(reader.at("backoff_base_ms"), `must not exceed backoff_max_ms (${retry.backoffMaxMs})`);
  }
  return retry;
}

function readTimeouts(reader: SettingReader, fallback: RouteTimeouts): RouteTimeouts {
  reader.allow("request_ms", "first_byte_ms", "between_chunks_ms");
  return {
    requestTimeoutMs: reader.integer("request_ms", fallback.requestTimeoutMs, { min: 1, max: 86_400_000 }),
    firstByteTimeoutMs: reader.integer("first_byte_ms", fallback.firstByteTimeoutMs, { min: 1, max: 3_600_000 }),
    streamIdleTimeoutMs: reader.integer("between_chunks_ms", fallback.streamIdleTimeoutMs, { min: 1, max: 3_600_000 }),
  };
}

function readBreaker(reader: SettingReader): BreakerSettings {
  reader.allow("failure_rate_percent", "minimum_requests", "consecutive_failures", "window_ms", "reset_timeout_ms", "half_open_probes");
  const fallback = DEFAULT_BREAKER_SETTINGS;
  return {
    failureRatePercent: reader.number("failure_rate_percent", fallback.failureRatePercent, { min: 0, max: 100, exclusiveMin: true }),
    minimumRequests: reader.integer("minimum_requests", fallback.minimumRequests, { min: 1, max: 1_000_000 }),
    consecutiveFailures: reader.integer("consecutive_failures", fallback.consecutiveFailures, { min: 1, max: 10_000 }),
    windowMs: reader.integer("window_ms", fallback.windowMs, { min: 10, max: 3_600_000 }),
    resetTimeoutMs: reader.integer("reset_timeout_ms", fallback.resetTimeoutMs, { min: 1, max: 3_600_000 }),
    halfOpenProbes: reader.integer("half_open_probes", fallback.halfOpenProbes, { min: 1, max: 1000 }),
  };
}
