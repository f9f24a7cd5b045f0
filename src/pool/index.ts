export { DeploymentPool, type PooledReply } from "./deployment-pool.js";
export { RouteResolver, type Candidate } from "./route-resolver.js";
export type { AzureOverride, ServedBy, UpstreamCall } from "./served-by.js";
