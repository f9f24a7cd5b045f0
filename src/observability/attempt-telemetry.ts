import { SpanStatusCode, type Context, type Span } from "@opentelemetry/api";
import type { UpstreamMeta } from "../azure/index.js";
import type { GatewayError } from "../errors/index.js";
import { GEN_AI_SYSTEM } from "../metrics/index.js";
import type { AnsweredEnding, AttemptTarget, ObservedAttempt } from "../pool/index.js";
import type { TelemetrySinks } from "./telemetry-sinks.js";

/**
 * One upstream attempt: a client span under the request's span, and one count by outcome when it
 * is over (failed before Azure answered, or its answer ended).
 */
export class AttemptTelemetry implements ObservedAttempt {
  readonly target: AttemptTarget;
  readonly headers: Readonly<Record<string, string>> | undefined;
  /** The Azure endpoint's host and port, as OpenTelemetry's server.address and server.port. */
  readonly serverAddress: string;
  readonly serverPort: number;
  readonly #sinks: TelemetrySinks;
  readonly #span: Span | undefined;
  #upstreamRequestId: string | undefined;
  /** The error code, once the attempt failed before Azure answered. */
  #failure: string | undefined;
  #finished = false;

  /**
   * `traceParent` is the request's span context when tracing; `forwardedTrace` the caller's own
   * trace headers, passed on unchanged when not. `retryReason` is the previous attempt's error code.
   */
  constructor(
    sinks: TelemetrySinks,
    target: AttemptTarget,
    number: number,
    retryReason: string | undefined,
    traceParent: Context | undefined,
    forwardedTrace: Readonly<Record<string, string>> | undefined,
  ) {
    this.#sinks = sinks;
    this.target = target;
    const server = serverOf(target.endpointUrl);
    this.serverAddress = server.address;
    this.serverPort = server.port;
    if (sinks.tracing === undefined || traceParent === undefined) {
      this.headers = forwardedTrace;
      return;
    }
    const scope = sinks.tracing.startClientSpan(`chat ${target.deployment}`, traceParent, {
      "gen_ai.operation.name": "chat",
      "gen_ai.system": GEN_AI_SYSTEM,
      "gen_ai.request.model": target.model,
      "server.address": this.serverAddress,
      "server.port": this.serverPort,
      "cloud.region": target.region,
      "tensorwall.route": target.route,
      "tensorwall.deployment": target.deploymentId,
      "tensorwall.attempt": number,
      ...(retryReason !== undefined && { "tensorwall.retry_reason": retryReason }),
    });
    this.#span = scope.span;
    this.headers = sinks.tracing.traceHeaders(scope.context);
  }

  /** Azure's `apim-request-id` (else `x-request-id`) of this attempt's answer, when it sent one. */
  get upstreamRequestId(): string | undefined {
    return this.#upstreamRequestId;
  }

  get failure(): string | undefined {
    return this.#failure;
  }

  responded(meta: UpstreamMeta): void {
    this.#upstreamRequestId = meta.requestId;
    this.#span?.setAttribute("http.response.status_code", meta.status);
    if (meta.requestId !== undefined) this.#span?.setAttribute("az.service_request_id", meta.requestId);
  }

  failed(error: GatewayError): void {
    this.#failure = error.code;
    this.#span?.setAttribute("error.type", error.code);
    this.#span?.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    this.#finish(error.code);
  }

  ended(ending: AnsweredEnding): void {
    if (ending !== "completed") this.#span?.setAttribute("tensorwall.ending", ending);
    if (ending === "broken") this.#span?.setStatus({ code: SpanStatusCode.ERROR, message: "Azure's answer broke off." });
    this.#finish(ending === "completed" ? "ok" : ending);
  }

  #finish(outcome: string): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#sinks.metrics?.attemptEnded({ deployment: this.target.deploymentId, region: this.target.region, outcome });
    this.#span?.end();
  }
}

interface Server {
  readonly address: string;
  readonly port: number;
}

/**
 * Parsed endpoints, as every attempt at one endpoint would parse it again (several µs each). Caller
 * endpoints (X-Azure-Endpoint) make this unbounded in principle, so it starts over past a bound.
 */
const servers = new Map<string, Server>();
const MAX_SERVERS = 1_000;

function serverOf(endpointUrl: string): Server {
  let server = servers.get(endpointUrl);
  if (server !== undefined) return server;
  const url = URL.canParse(endpointUrl) ? new URL(endpointUrl) : undefined;
  server = {
    address: url?.hostname ?? "",
    port: url === undefined ? 0 : url.port !== "" ? Number(url.port) : url.protocol === "http:" ? 80 : 443,
  };
  if (servers.size >= MAX_SERVERS) servers.clear();
  servers.set(endpointUrl, server);
  return server;
}
