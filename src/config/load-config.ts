import { readFileSync } from "node:fs";
import { ConfigError } from "./config-error.js";
import type { GatewayConfig } from "./gateway-config.js";

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the configuration from the environment. Throws ConfigError on a bad value. */
export function loadConfig(env: Env): GatewayConfig {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  return {
    host: read("HOST") ?? "0.0.0.0",
    port: integer(read, "PORT", 8000, 0, 65_535),
    tls: readTls(read),
    databasePath: read("TENSORWALL_DB") ?? "./data/tensorwall.db",
    adminKey: read("TENSORWALL_ADMIN_KEY"),
    keyHashSecret: read("TENSORWALL_KEY_HASH_SECRET"),
    maxRequestBytes: integer(read, "TENSORWALL_MAX_REQUEST_BYTES", 10 * 1024 * 1024, 1024, 1024 ** 3),
    shutdownGraceMs: integer(read, "TENSORWALL_SHUTDOWN_GRACE_MS", 10_000, 0, 3_600_000),
    azure: {
      endpointUrl: readEndpoint(read),
      apiKey: read("AZURE_OPENAI_API_KEY"),
      apiVersion: readApiVersion(read),
      region: read("AZURE_OPENAI_REGION") ?? "",
      deployments: list(read("AZURE_OPENAI_DEPLOYMENTS")),
    },
    upstream: {
      connectTimeoutMs: integer(read, "TENSORWALL_CONNECT_TIMEOUT_MS", 10_000, 1, 600_000),
      firstByteTimeoutMs: integer(read, "TENSORWALL_FIRST_BYTE_TIMEOUT_MS", 120_000, 1, 3_600_000),
      streamIdleTimeoutMs: integer(read, "TENSORWALL_STREAM_IDLE_TIMEOUT_MS", 30_000, 1, 3_600_000),
      maxRetryAfterMs: integer(read, "TENSORWALL_MAX_RETRY_AFTER_MS", 60_000, 0, 86_400_000),
    },
    allowedEndpointPatterns: list(read("TENSORWALL_ALLOWED_ENDPOINTS")) ?? [],
  };
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
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError("AZURE_OPENAI_ENDPOINT", `expected a URL such as https://my-resource.openai.azure.com, got "${raw}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError("AZURE_OPENAI_ENDPOINT", `expected an https:// URL, got "${raw}"`);
  }
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
    throw new ConfigError("AZURE_OPENAI_ENDPOINT", "expected a bare origin without credentials, query or fragment");
  }
  return raw.replace(/\/+$/, "");
}

function readApiVersion(read: (name: string) => string | undefined): string {
  const raw = read("AZURE_OPENAI_API_VERSION") ?? "2024-10-21";
  if (raw !== "v1" && !/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(raw)) {
    throw new ConfigError("AZURE_OPENAI_API_VERSION", `expected "v1" or a dated version such as 2024-10-21, got "${raw}"`);
  }
  return raw;
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
