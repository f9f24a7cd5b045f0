export { ConfigError } from "./config-error.js";
export type { AzureDefaults, GatewayConfig, UpstreamTimeouts } from "./gateway-config.js";
export { loadConfig } from "./load-config.js";
