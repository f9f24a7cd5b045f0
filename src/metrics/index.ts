export {
  GatewayMetrics,
  type AttemptCount,
  type ChatMeasurement,
  type FailoverCount,
  type GatewayMetricsOptions,
  type RequestCount,
  type TokenCounts,
} from "./gateway-metrics.js";
export { GEN_AI_SYSTEM } from "./gen-ai-series.js";
export { LabelCap } from "./label-cap.js";
export { metricsEndpoint, type MetricsEndpoint, type MetricsReply } from "./metrics-endpoint.js";
