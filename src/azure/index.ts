export { AzureClient, type AzureClientOptions, type RequestOptions, type RequestTimeouts } from "./azure-client.js";
export type { AzureAuth, AzureTarget } from "./azure-target.js";
export { AZURE_V1_API_VERSION } from "./chat-completions-request.js";
export {
  DEFAULT_ALLOWED_ENDPOINTS,
  EndpointAllowlist,
  type EndpointAllowlistOptions,
} from "./endpoint-allowlist.js";
export { entraCredential, type EntraCredentialChoice } from "./entra-credential.js";
export { COGNITIVE_SERVICES_SCOPE, EntraTokenSource, type EntraTokenSourceOptions } from "./entra-token-source.js";
export { SseParser, type SseParserOptions } from "./sse-parser.js";
export type { UpstreamMeta } from "./upstream-meta.js";
