export { ConfigError } from "./config-error.js";
export {
  LOG_LEVELS,
  METRICS_ACCESS,
  type AzureDefaults,
  type GatewayConfig,
  type LogLevel,
  type MetricsAccess,
  type ObservabilitySettings,
  type TracingSettings,
  type UpstreamTimeouts,
} from "./gateway-config.js";
export { loadConfig } from "./load-config.js";
export {
  DEFAULT_BREAKER_SETTINGS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RETRY_POLICY,
  ROUTING_STRATEGIES,
  type BreakerSettings,
  type EndpointAuth,
  type EndpointConfig,
  type PoolConfig,
  type RetryPolicy,
  type RouteConfig,
  type RouteDeploymentConfig,
  type DeploymentPricing,
  type RouteSettings,
  type RouteTimeouts,
  type RoutingStrategy,
} from "./pool-config.js";
export { poolConfigFrom, readPoolConfigFile, type PoolConfigContext } from "./read-pool-config.js";
