import { readFileSync } from "node:fs";
import { apiVersion, endpointUrl } from "./azure-endpoint-settings.js";
import { ConfigError } from "./config-error.js";
import { LOG_LEVELS, METRICS_ACCESS, type GatewayConfig, type ObservabilitySettings } from "./gateway-config.js";
import type { PoolConfig } from "./pool-config.js";
import { readPoolConfigFile } from "./read-pool-config.js";

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the configuration from the environment. Throws ConfigError on a bad value. */
export function loadConfig(env: Env): GatewayConfig {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  const azure: GatewayConfig["azure"] = {
    endpointUrl: readEndpoint(read),
    apiKey: read("AZURE_OPENAI_API_KEY"),
    apiVersion: readApiVersion(read),
    region: read("AZURE_OPENAI_REGION") ?? "",
    deployments: list(read("AZURE_OPENAI_DEPLOYMENTS")),
  };
  const upstream: GatewayConfig["upstream"] = {
    connectTimeoutMs: integer(read, "TENSORWALL_CONNECT_TIMEOUT_MS", 10_000, 1, 600_000),
    firstByteTimeoutMs: integer(read, "TENSORWALL_FIRST_BYTE_TIMEOUT_MS", 120_000, 1, 3_600_000),
    streamIdleTimeoutMs: integer(read, "TENSORWALL_STREAM_IDLE_TIMEOUT_MS", 30_000, 1, 3_600_000),
    maxRetryAfterMs: integer(read, "TENSORWALL_MAX_RETRY_AFTER_MS", 60_000, 0, 86_400_000),
  };
  return {
    host: read("HOST") ?? "0.0.0.0",
    port: integer(read, "PORT", 8000, 0, 65_535),
    tls: readTls(read),
    databasePath: read("TENSORWALL_DB") ?? "./data/tensorwall.db",
    databaseUrl: serviceUrl(read, "DATABASE_URL", ["postgres:", "postgresql:"], "postgres://user@host:5432/database"),
    redisUrl: serviceUrl(read, "REDIS_URL", ["redis:", "rediss:"], "redis://host:6379"),
    usageFlushIntervalMs: integer(read, "TENSORWALL_USAGE_FLUSH_MS", 1000, 10, 600_000),
    adminKey: read("TENSORWALL_ADMIN_KEY"),
    keyHashSecret: read("TENSORWALL_KEY_HASH_SECRET"),
    maxRequestBytes: integer(read, "TENSORWALL_MAX_REQUEST_BYTES", 10 * 1024 * 1024, 1024, 1024 ** 3),
    shutdownGraceMs: integer(read, "TENSORWALL_SHUTDOWN_GRACE_MS", 10_000, 0, 3_600_000),
    azure,
    pool: readPool(read, env, azure, upstream),
    upstream,
    allowedEndpointPatterns: list(read("TENSORWALL_ALLOWED_ENDPOINTS")) ?? [],
    observability: readObservability(read),
  };
}

function readObservability(read: (name: string) => string | undefined): ObservabilitySettings {
  return {
    logLevel: oneOf(read, "LOG_LEVEL", LOG_LEVELS, "info"),
    logPrompts: oneOf(read, "TENSORWALL_LOG_PROMPTS", ["true", "false"], "false") === "true",
    metrics: oneOf(read, "TENSORWALL_METRICS", METRICS_ACCESS, "on"),
    tracing: readTracing(read),
  };
}

/** OpenTelemetry's own variables; tracing starts only when an OTLP endpoint is named. */
function readTracing(read: (name: string) => string | undefined): ObservabilitySettings["tracing"] {
  if (oneOf(read, "OTEL_SDK_DISABLED", ["true", "false"], "false") === "true") return undefined;
  if (oneOf(read, "OTEL_TRACES_EXPORTER", ["otlp", "none"], "otlp") === "none") return undefined;
  const tracesEndpoint = read("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  const endpoint = read("OTEL_EXPORTER_OTLP_ENDPOINT");
  let tracesUrl: string;
  if (tracesEndpoint !== undefined) tracesUrl = httpUrl("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", tracesEndpoint);
  else if (endpoint !== undefined) tracesUrl = `${httpUrl("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint).replace(/\/$/, "")}/v1/traces`;
  else return undefined;
  const headersName = read("OTEL_EXPORTER_OTLP_TRACES_HEADERS") === undefined ? "OTEL_EXPORTER_OTLP_HEADERS" : "OTEL_EXPORTER_OTLP_TRACES_HEADERS";
  return { tracesUrl, headers: otlpHeaders(headersName, read(headersName)), serviceName: read("OTEL_SERVICE_NAME") ?? "tensorwall" };
}

/** OpenTelemetry's header list: `name=value` pairs separated by commas, values URL-encoded. */
function otlpHeaders(name: string, raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of raw?.split(",") ?? []) {
    if (pair.trim() === "") continue;
    const equals = pair.indexOf("=");
    const key = pair.slice(0, equals).trim().toLowerCase();
    let value: string | undefined;
    try {
      value = equals > 0 ? decodeURIComponent(pair.slice(equals + 1).trim()) : undefined;
    } catch {
      value = undefined;
    }
    // The message never repeats a value: it may be a token.
    if (value === undefined || !/^[\w!#$%&'*+.^`|~-]+$/.test(key) || /[\r\n]/.test(value)) {
      throw new ConfigError(name, "expected name=value pairs separated by commas, with URL-encoded values");
    }
    headers[key] = value;
  }
  return headers;
}

function oneOf<T extends string>(
  read: (name: string) => string | undefined,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = read(name)?.toLowerCase();
  if (raw === undefined) return fallback;
  const value = allowed.find((candidate) => candidate === raw);
  if (value === undefined) throw new ConfigError(name, `expected one of ${allowed.join(", ")}, got "${raw}"`);
  return value;
}

function httpUrl(name: string, raw: string): string {
  let protocol: string;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    throw new ConfigError(name, "expected an http:// or https:// URL such as http://localhost:4318");
  }
  if (protocol !== "http:" && protocol !== "https:") {
    throw new ConfigError(name, `expected an http:// or https:// URL (OTLP over HTTP), got one starting ${protocol}//`);
  }
  return raw;
}

function integer(
  read: (name: string) => string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = read(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function list(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const items = raw
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  return items.length > 0 ? items : undefined;
}

function readEndpoint(read: (name: string) => string | undefined): string | undefined {
  const raw = read("AZURE_OPENAI_ENDPOINT");
  return raw === undefined ? undefined : endpointUrl("AZURE_OPENAI_ENDPOINT", raw);
}

function readApiVersion(read: (name: string) => string | undefined): string {
  return apiVersion("AZURE_OPENAI_API_VERSION", read("AZURE_OPENAI_API_VERSION") ?? "2024-10-21");
}

function readPool(
  read: (name: string) => string | undefined,
  env: Env,
  azure: GatewayConfig["azure"],
  upstream: GatewayConfig["upstream"],
): PoolConfig | undefined {
  const file = read("TENSORWALL_CONFIG");
  if (file === undefined) return undefined;
  if (azure.endpointUrl !== undefined) {
    // Two sources of endpoints would leave callers guessing which one serves them.
    throw new ConfigError("AZURE_OPENAI_ENDPOINT", "cannot be combined with TENSORWALL_CONFIG; declare the endpoint in the file instead");
  }
  return readPoolConfigFile(file, {
    env,
    apiVersion: azure.apiVersion,
    firstByteTimeoutMs: upstream.firstByteTimeoutMs,
    streamIdleTimeoutMs: upstream.streamIdleTimeoutMs,
  });
}

function readTls(read: (name: string) => string | undefined): GatewayConfig["tls"] {
  const cert = read("TLS_CERT");
  const key = read("TLS_KEY");
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) {
    throw new ConfigError(cert === undefined ? "TLS_CERT" : "TLS_KEY", "TLS_CERT and TLS_KEY must be set together");
  }
  return { cert: pem("TLS_CERT", cert), key: pem("TLS_KEY", key) };
}

function pem(name: string, value: string): string {
  if (value.startsWith("-----BEGIN")) return value;
  try {
    return readFileSync(value, "utf8");
  } catch {
    throw new ConfigError(name, `expected PEM text or a readable file path, could not read "${value}"`);
  }
}

function serviceUrl(
  read: (name: string) => string | undefined,
  name: string,
  protocols: readonly string[],
  example: string,
): string | undefined {
  const raw = read(name);
  if (raw === undefined) return undefined;
  let protocol: string;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    // The value may hold a password: the message names the setting, never the value.
    throw new ConfigError(name, `expected a URL such as ${example}`);
  }
  if (!protocols.includes(protocol)) {
    throw new ConfigError(name, `expected a ${protocols.map((p) => `${p}//`).join(" or ")} URL such as ${example}, got one starting ${protocol}//`);
  }
  return raw;
}
