import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { IncomingHttpHeaders } from "node:http";
import type { TracingSettings } from "../config/index.js";

export interface TracingOptions {
  /** `service.name` of every span. */
  readonly serviceName: string;
  /** Where finished spans go: OTLP in production, an in-memory exporter in tests. */
  readonly spanProcessors: readonly SpanProcessor[];
}

/** A span and the context that makes it the parent of what is started under it. */
export interface TraceScope {
  readonly span: Span;
  readonly context: Context;
}

/**
 * The gateway's tracer. It registers nothing globally: parents travel explicitly (the request's
 * scope is handed to each upstream attempt), so there is no context manager on the request path,
 * and a gateway without tracing has no tracer at all. Sampling follows OpenTelemetry's defaults
 * and OTEL_TRACES_SAMPLER (parent-based, always on), so a caller's sampled flag is honoured.
 */
export class Tracing {
  readonly #provider: BasicTracerProvider;
  readonly #tracer: Tracer;
  readonly #propagator = new W3CTraceContextPropagator();

  constructor(options: TracingOptions) {
    this.#provider = new BasicTracerProvider({
      resource: defaultResource().merge(resourceFromAttributes({ "service.name": options.serviceName })),
      spanProcessors: [...options.spanProcessors],
    });
    this.#tracer = this.#provider.getTracer("tensorwall");
  }

  /** A server span for an incoming request: the child of the caller's W3C `traceparent` when it sent a valid one. */
  startServerSpan(name: string, headers: IncomingHttpHeaders, attributes: Attributes): TraceScope {
    const parent = this.#propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    return this.#start(name, SpanKind.SERVER, parent, attributes);
  }

  /** A client span (an upstream call) under `parent`. */
  startClientSpan(name: string, parent: Context, attributes: Attributes): TraceScope {
    return this.#start(name, SpanKind.CLIENT, parent, attributes);
  }

  /** The W3C headers (`traceparent`, and `tracestate` when there is one) that make a downstream call a child of `context`. */
  traceHeaders(context: Context): Record<string, string> {
    const headers: Record<string, string> = {};
    this.#propagator.inject(context, headers, defaultTextMapSetter);
    return headers;
  }

  /** Exports the spans still buffered, then stops. */
  shutdown(): Promise<void> {
    return this.#provider.shutdown();
  }

  #start(name: string, kind: SpanKind, parent: Context, attributes: Attributes): TraceScope {
    const span = this.#tracer.startSpan(name, { kind, attributes }, parent);
    return { span, context: trace.setSpan(parent, span) };
  }
}

/** Tracing that exports over OTLP/HTTP (JSON bodies) in batches, as OTEL_BSP_* tune them. */
export function otlpTracing(settings: TracingSettings): Tracing {
  return new Tracing({
    serviceName: settings.serviceName,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.tracesUrl, headers: { ...settings.headers } }))],
  });
}
