export { combineReadinessChecks, type CombineReadinessOptions } from "./combine-readiness-checks.js";
export { HealthRegistry, OVERALL_HEALTH } from "./health-registry.js";
export { createHealthService } from "./health-service.js";
export { READY, type Readiness, type ReadinessCheck } from "./readiness-check.js";
export { storeReadiness } from "./store-readiness.js";
