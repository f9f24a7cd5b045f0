import type { PoolConfig } from "./pool-config.js";

/** Everything TensorWall reads at start-up, validated. Each field documents its source and default. */
export interface GatewayConfig {
  /** HOST, default "0.0.0.0". */
  readonly host: string;
  /** PORT, default 8000. */
  readonly port: number;
  /** TLS_CERT and TLS_KEY (file paths or PEM text), both or neither. Unset: cleartext. */
  readonly tls: { readonly cert: string; readonly key: string } | undefined;
  /** TENSORWALL_DB, default "./data/tensorwall.db"; ":memory:" keeps nothing. */
  readonly databasePath: string;
  /**
   * DATABASE_URL, a postgres:// (or postgresql://) URL: keys and the usage ledger go to PostgreSQL
   * instead of the SQLite file, so several replicas can share them. Unset: SQLite.
   */
  readonly databaseUrl: string | undefined;
  /**
   * REDIS_URL, a redis:// or rediss:// URL: rate-limit and budget counters go to Redis, shared
   * exactly by every replica. Unset: counters are kept in the process.
   */
  readonly redisUrl: string | undefined;
  /** TENSORWALL_USAGE_FLUSH_MS, default 1000: how often the usage ledger writes pending records. */
  readonly usageFlushIntervalMs: number;
  /** TENSORWALL_ADMIN_KEY: a gw_ key that is always an admin key. */
  readonly adminKey: string | undefined;
  /** TENSORWALL_KEY_HASH_SECRET: the HMAC key for stored key hashes; generated and stored if unset. */
  readonly keyHashSecret: string | undefined;
  /** TENSORWALL_MAX_REQUEST_BYTES, default 10 MiB (images travel as data URLs). */
  readonly maxRequestBytes: number;
  /** TENSORWALL_SHUTDOWN_GRACE_MS, default 10 000: how long in-flight requests get on shutdown. */
  readonly shutdownGraceMs: number;
  readonly azure: AzureDefaults;
  /**
   * TENSORWALL_CONFIG: the routes, endpoints and breakers of the deployment pool, read from the YAML
   * or JSON file it names. Unset: the AZURE_OPENAI_* variables serve one deployment per call.
   */
  readonly pool: PoolConfig | undefined;
  readonly upstream: UpstreamTimeouts;
  /** TENSORWALL_ALLOWED_ENDPOINTS: extra patterns for X-Azure-Endpoint, added to the defaults. */
  readonly allowedEndpointPatterns: readonly string[];
  readonly observability: ObservabilitySettings;
}

/** Log levels, from the most to the least severe; `silent` logs nothing. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Who may read `GET /metrics`: anyone who can reach the port (`on`, like /healthz), only admin
 * keys (`admin`), or nobody, with no metrics kept at all (`off`).
 */
export const METRICS_ACCESS = ["on", "admin", "off"] as const;
export type MetricsAccess = (typeof METRICS_ACCESS)[number];

/** Logs, metrics and traces. */
export interface ObservabilitySettings {
  /** LOG_LEVEL, default "info". */
  readonly logLevel: LogLevel;
  /**
   * TENSORWALL_LOG_PROMPTS=true: request log lines also carry the prompt messages and each choice's
   * text. Default false: no prompt or completion text is ever logged.
   */
  readonly logPrompts: boolean;
  /** TENSORWALL_METRICS, default "on". */
  readonly metrics: MetricsAccess;
  /** Where spans go over OTLP/HTTP; undefined (the default) starts no tracing at all. */
  readonly tracing: TracingSettings | undefined;
}

export interface TracingSettings {
  /**
   * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, else OTEL_EXPORTER_OTLP_ENDPOINT with `/v1/traces`
   * appended (as the OpenTelemetry specification says).
   */
  readonly tracesUrl: string;
  /**
   * OTEL_EXPORTER_OTLP_TRACES_HEADERS, else OTEL_EXPORTER_OTLP_HEADERS (`name=value,…`, values
   * URL-encoded): sent with every export, e.g. a collector's token.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** OTEL_SERVICE_NAME, default "tensorwall". */
  readonly serviceName: string;
}

/** The endpoint configured by environment: a one-deployment-per-call pool. */
export interface AzureDefaults {
  /** AZURE_OPENAI_ENDPOINT. Unset: only callers sending X-Azure-Endpoint can be served. */
  readonly endpointUrl: string | undefined;
  /** AZURE_OPENAI_API_KEY. */
  readonly apiKey: string | undefined;
  /** AZURE_OPENAI_API_VERSION, default "2024-10-21" (the latest GA); "v1" selects the v1 API. */
  readonly apiVersion: string;
  /** AZURE_OPENAI_REGION, shown in served-by information; default "". */
  readonly region: string;
  /**
   * AZURE_OPENAI_DEPLOYMENTS (comma-separated): the deployments callers may name. Unset: any name
   * is passed to Azure, which answers 404 for one it does not have.
   */
  readonly deployments: readonly string[] | undefined;
}

export interface UpstreamTimeouts {
  /** TENSORWALL_CONNECT_TIMEOUT_MS, default 10 000. */
  readonly connectTimeoutMs: number;
  /** TENSORWALL_FIRST_BYTE_TIMEOUT_MS, default 120 000: request sent to Azure's response headers. */
  readonly firstByteTimeoutMs: number;
  /** TENSORWALL_STREAM_IDLE_TIMEOUT_MS, default 30 000: the longest gap between streamed chunks. */
  readonly streamIdleTimeoutMs: number;
  /** TENSORWALL_MAX_RETRY_AFTER_MS, default 60 000: Azure can ask for a day; callers are told at most this. */
  readonly maxRetryAfterMs: number;
}
