/**
 * The deployment pool as declared by the file TENSORWALL_CONFIG names, validated. Defaults are
 * documented on each field; README "Routes and the deployment pool" shows the file's shape.
 */
export interface PoolConfig {
  /** The file it was read from, for messages. */
  readonly file: string;
  readonly endpoints: readonly EndpointConfig[];
  /** In the file's order; route names are the model names callers send. */
  readonly routes: readonly RouteConfig[];
  /**
   * `defaults:` strategy, retry and timeouts for routes that do not set their own, and for calls
   * naming an Azure deployment (`azure/<deployment>`) rather than a route.
   */
  readonly defaults: RouteSettings;
  /** One breaker per Azure deployment, all with these settings (`breaker:`). */
  readonly breaker: BreakerSettings;
}

/** One Azure OpenAI resource (`endpoints.<name>`). */
export interface EndpointConfig {
  readonly name: string;
  /** `url`: the resource's origin, e.g. https://contoso-eastus.openai.azure.com. */
  readonly url: string;
  /** `region`, shown in served-by information; default "". */
  readonly region: string;
  /** `api_version`, default AZURE_OPENAI_API_VERSION's value; "v1" selects Azure's v1 API. */
  readonly apiVersion: string;
  readonly auth: EndpointAuth;
}

/**
 * How the gateway authenticates to one endpoint. A key is only ever read from the environment
 * variable the file names (`api_key_env`): secrets do not belong in config files.
 */
export type EndpointAuth =
  | { readonly kind: "api_key"; readonly envName: string; readonly apiKey: string }
  /** `auth: managed_identity`, with `client_id` for a user-assigned identity. */
  | { readonly kind: "managed_identity"; readonly clientId: string | undefined }
  /** `auth: default_credential`: @azure/identity's DefaultAzureCredential chain. */
  | { readonly kind: "default_credential" };

export type RoutingStrategy = "priority" | "round_robin" | "weighted" | "least_busy" | "least_latency";

export const ROUTING_STRATEGIES: readonly RoutingStrategy[] = [
  "priority",
  "round_robin",
  "weighted",
  "least_busy",
  "least_latency",
];

/** How a route picks deployments and how long and how often it tries. */
export interface RouteSettings {
  /** `strategy`, default priority. */
  readonly strategy: RoutingStrategy;
  readonly retry: RetryPolicy;
  readonly timeouts: RouteTimeouts;
}

/** A model name callers use (`routes.<name>`) and the deployments that can serve it. */
export interface RouteConfig extends RouteSettings {
  readonly name: string;
  readonly deployments: readonly RouteDeploymentConfig[];
}

export interface RouteDeploymentConfig {
  /** `endpoint`: the name of an entry under `endpoints`. */
  readonly endpoint: string;
  /** `deployment`: the Azure deployment name. */
  readonly deployment: string;
  /** `model`: the underlying model, which prices requests; default the deployment name. */
  readonly model: string;
  /** `priority`, default 0; lower is preferred (strategy priority). */
  readonly priority: number;
  /** `weight`, default 1: its share of traffic among deployments of equal priority. */
  readonly weight: number;
  /**
   * `pricing`: what this deployment costs, overriding the built-in price of its model (e.g. 0 for
   * provisioned capacity, paid by the hour). Unset: the model's built-in price.
   */
  readonly pricing: DeploymentPricing | undefined;
}

/**
 * `pricing: { input, cached_input, output }` in US dollars per 1M tokens, as decimal strings with at
 * most three decimal places. `cached_input` defaults to `input`.
 */
export interface DeploymentPricing {
  readonly input: string;
  readonly cachedInput?: string;
  readonly output: string;
}

/** `retry:` (per route, or under `defaults:`). */
export interface RetryPolicy {
  /** `max_attempts`, default 3: upstream attempts for one request, across all its deployments. */
  readonly maxAttempts: number;
  /**
   * `backoff_base_ms`, default 200, and `backoff_max_ms`, default 2000: before trying the same
   * deployment again the pool waits a random time up to min(max, base * 2^(retry - 1)). Switching
   * to another deployment never waits.
   */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
}

/** `timeouts:` (per route, or under `defaults:`). */
export interface RouteTimeouts {
  /**
   * `request_ms`, default 600 000: the whole request, every attempt and wait included, unless the
   * caller's own deadline is shorter.
   */
  readonly requestTimeoutMs: number;
  /** `first_byte_ms`, default TENSORWALL_FIRST_BYTE_TIMEOUT_MS: one attempt, until Azure's response headers. */
  readonly firstByteTimeoutMs: number;
  /**
   * `between_chunks_ms`, default TENSORWALL_STREAM_IDLE_TIMEOUT_MS: the longest silence in a
   * response body, before the first streamed chunk as well as between chunks.
   */
  readonly streamIdleTimeoutMs: number;
}

/** `breaker:`, shared by every deployment's circuit breaker. */
export interface BreakerSettings {
  /** `failure_rate_percent`, default 50: opens when at least this share of the window's requests failed... */
  readonly failureRatePercent: number;
  /** `minimum_requests`, default 10: ...and the window holds at least this many. */
  readonly minimumRequests: number;
  /** `consecutive_failures`, default 5: opens after this many failures in a row within the window. */
  readonly consecutiveFailures: number;
  /** `window_ms`, default 10 000: the rolling window the counts above look at. */
  readonly windowMs: number;
  /** `reset_timeout_ms`, default 30 000: how long an open circuit waits before letting probes through. */
  readonly resetTimeoutMs: number;
  /** `half_open_probes`, default 1: requests let through at once while half-open. */
  readonly halfOpenProbes: number;
}

export const DEFAULT_BREAKER_SETTINGS: BreakerSettings = {
  failureRatePercent: 50,
  minimumRequests: 10,
  consecutiveFailures: 5,
  windowMs: 10_000,
  resetTimeoutMs: 30_000,
  halfOpenProbes: 1,
};

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, backoffBaseMs: 200, backoffMaxMs: 2000 };

export const DEFAULT_REQUEST_TIMEOUT_MS = 600_000;
