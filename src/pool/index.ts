export type { AttemptObserver, AttemptTarget, ObservedAttempt } from "./attempt-observer.js";
export { DeploymentPool, type DeploymentPoolOptions, type PooledReply } from "./deployment-pool.js";
export type { AnsweredEnding, DeploymentEvent, DeploymentSnapshot } from "./pooled-deployment.js";
export { RouteResolver, type Candidate } from "./route-resolver.js";
export type { AzureOverride, ServedBy, UpstreamCall } from "./served-by.js";
