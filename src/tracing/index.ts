export { otlpTracing, Tracing, type TraceScope, type TracingOptions } from "./tracing.js";
