import type { Logger } from "pino";
import type { GatewayMetrics } from "../metrics/index.js";
import type { Tracing } from "../tracing/index.js";

/** Where every request's telemetry goes; one set per gateway. */
export interface TelemetrySinks {
  readonly logger: Logger;
  /** Request log lines carry the prompt messages and each choice's text (TENSORWALL_LOG_PROMPTS). */
  readonly logPrompts: boolean;
  /** Undefined when metrics are off. */
  readonly metrics: GatewayMetrics | undefined;
  /** Undefined when tracing is off: then no span is ever made. */
  readonly tracing: Tracing | undefined;
}
