import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { SpanStatusCode, type Attributes } from "@opentelemetry/api";
import type { IncomingHttpHeaders } from "node:http";
import { ERROR_CODE_HEADER, ERROR_TABLE, toGatewayError } from "../errors/index.js";
import { pathOf } from "../http-request/index.js";
import { GEN_AI_SYSTEM } from "../metrics/index.js";
import type { AttemptObserver, AttemptTarget, ObservedAttempt } from "../pool/index.js";
import type { UsageRecord } from "../store/index.js";
import type { TraceScope } from "../tracing/index.js";
import { formatUsd, type AccountObserver } from "../usage/index.js";
import { logRecord } from "../logging/index.js";
import { AttemptTelemetry } from "./attempt-telemetry.js";
import { requestIdFrom, REQUEST_ID_HEADER } from "./request-id.js";
import type { RequestProtocol } from "./request-protocol.js";
import type { TelemetrySinks } from "./telemetry-sinks.js";

/** What the telemetry reads of an incoming request. */
export interface ArrivedRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: IncomingHttpHeaders;
}

/** The route of a path nothing serves, so a scanner's paths never become label values. */
export const UNMATCHED_ROUTE = "unmatched";

/**
 * Probes and scrapes log at debug level and make no span: otherwise they would drown the requests
 * that matter.
 */
const QUIET_ROUTES: ReadonlySet<string> = new Set([
  "/healthz",
  "/readyz",
  "/metrics",
  "/grpc.health.v1.Health/Check",
  "/grpc.health.v1.Health/List",
  "/grpc.health.v1.Health/Watch",
]);

// W3C Trace Context, version 00: https://www.w3.org/TR/trace-context/#traceparent-header
const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;
const MAX_TRACESTATE_LENGTH = 512;

/**
 * One request as the operator sees it, from arrival to its last byte: its id, protocol, route and
 * status, and for chat its account (key id, deployment, tokens, cost) and its upstream attempts.
 * Once the response has closed, and the request's account (if it opened one) is recorded, it
 * writes one log line, counts the request and ends its span, exactly once.
 */
export class RequestTelemetry implements AttemptObserver, AccountObserver {
  /** The caller's sane `x-request-id`, else a new UUID; answered on every response. */
  readonly id: string;
  /** Whether prompts and completions are kept for the log line (TENSORWALL_LOG_PROMPTS). */
  readonly capturesContent: boolean;
  readonly #sinks: TelemetrySinks;
  readonly #method: string;
  readonly #startedAt = performance.now();
  readonly #server: TraceScope | undefined;
  /** The caller's W3C trace headers, passed on to Azure unchanged when the gateway does not trace. */
  readonly #forwardedTrace: Readonly<Record<string, string>> | undefined;
  #protocol: RequestProtocol = "rest";
  #route: string;
  #errorCode: string | undefined;
  #httpStatus = 0;
  #latencyMs = 0;
  #record: UsageRecord | undefined;
  /** The response, and the account while one is open: the request is over when both are. */
  #unfinished = 1;
  #attempts = 0;
  #latestAttempt: AttemptTelemetry | undefined;
  #prompt: JsonValue | undefined;
  #completion: string[] | undefined;

  constructor(sinks: TelemetrySinks, req: ArrivedRequest) {
    this.#sinks = sinks;
    this.id = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    this.capturesContent = sinks.logPrompts;
    this.#method = req.method ?? "GET";
    this.#route = pathOf(req.url ?? "/");
    this.#server = QUIET_ROUTES.has(this.#route) ? undefined : sinks.tracing?.startServerSpan(this.#method, req.headers, {
      "http.request.method": this.#method,
      "tensorwall.request_id": this.id,
    });
    this.#forwardedTrace = sinks.tracing === undefined ? forwardableTrace(req.headers) : undefined;
  }

  /** The REST door names the route it matched (a template for paths with parameters, or UNMATCHED_ROUTE). */
  routed(route: string): void {
    this.#route = route;
  }

  /** Connect routed the request to one of its methods, over `protocol`. */
  rpc(protocol: Exclude<RequestProtocol, "rest">): void {
    this.#protocol = protocol;
  }

  /** The caller was answered with this error (the first one reported counts). */
  failed(error: unknown): void {
    this.#errorCode ??= errorCode(error);
  }

  /** The response is over (sent, or the connection went away). */
  responseClosed(httpStatus: number): void {
    this.#httpStatus = httpStatus;
    this.#latencyMs = performance.now() - this.#startedAt;
    this.#partFinished();
  }

  accountOpened(): void {
    this.#unfinished += 1;
  }

  accountRecorded(record: UsageRecord): void {
    this.#record = record;
    this.#partFinished();
  }

  attemptStarted(target: AttemptTarget): ObservedAttempt {
    const previous = this.#latestAttempt;
    const retryReason = previous?.failure;
    if (previous !== undefined && retryReason !== undefined) {
      this.#sinks.metrics?.failedOver({ route: target.route, deployment: previous.target.deploymentId, reason: retryReason });
    }
    this.#attempts += 1;
    const attempt = new AttemptTelemetry(this.#sinks, target, this.#attempts, retryReason, this.#server?.context, this.#forwardedTrace);
    this.#latestAttempt = attempt;
    return attempt;
  }

  /** The body sent to Azure; its messages are kept when prompts are logged. */
  promptSent(body: JsonObject): void {
    if (this.capturesContent) this.#prompt = body["messages"];
  }

  /** Azure's non-streamed answer; each choice's text is kept when prompts are logged. */
  completionReceived(body: JsonObject): void {
    if (!this.capturesContent) return;
    const choices = body["choices"];
    this.#completion = Array.isArray(choices) ? choices.map(choiceText) : [];
  }

  /** A streamed piece of choice `index`'s text; call only when capturesContent. */
  completionDelta(index: number, text: string): void {
    const completion = (this.#completion ??= []);
    completion[index] = (completion[index] ?? "") + text;
  }

  #partFinished(): void {
    this.#unfinished -= 1;
    if (this.#unfinished === 0) this.#finish();
  }

  #finish(): void {
    const record = this.#record;
    const status = record?.status ?? this.#errorCode ?? (this.#httpStatus >= 400 ? `http_${this.#httpStatus}` : "ok");
    const deployment = record === undefined || record.deployment === "" ? "" : `${record.endpoint}/${record.deployment}`;
    const attempt = this.#latestAttempt;
    const { metrics } = this.#sinks;
    if (metrics !== undefined) {
      metrics.requestAnswered({
        protocol: this.#protocol,
        httpRoute: this.#route,
        status,
        route: record?.route ?? "",
        deployment,
        region: record?.region ?? "",
      });
      if (record !== undefined) {
        const used = record.promptTokens + record.completionTokens > 0;
        metrics.chatMeasured({
          requestModel: record.route,
          responseModel: record.model,
          serverAddress: attempt?.serverAddress ?? "",
          serverPort: attempt === undefined ? "" : String(attempt.serverPort),
          deployment,
          region: record.region,
          errorType: status === "ok" ? "" : status,
          durationMs: record.latencyMs,
          ttfbMs: record.ttfbMs,
          tokens: used
            ? { input: record.promptTokens, cached: record.cachedTokens, output: record.completionTokens, reasoning: record.reasoningTokens }
            : undefined,
          costNanoUsd: record.costNanoUsd,
        });
      }
    }
    this.#log(status, deployment);
    this.#endSpan(status, deployment);
  }

  #log(status: string, deployment: string): void {
    const { logger } = this.#sinks;
    const level = QUIET_ROUTES.has(this.#route) ? "debug" : isServerError(status) ? "warn" : "info";
    if (!logger.isLevelEnabled(level)) return;
    const record = this.#record;
    // One literal of one shape; the fields that are undefined are left out.
    logRecord(
      logger,
      level,
      {
        requestId: this.id,
        protocol: this.#protocol,
        method: this.#method,
        httpRoute: this.#route,
        status,
        httpStatus: this.#httpStatus,
        latencyMs: Math.round(this.#latencyMs * 10) / 10,
        keyId: record?.keyId,
        route: record?.route,
        deployment: record === undefined ? undefined : deployment,
        region: record?.region,
        model: record?.model,
        streamed: record?.streamed,
        inputTokens: record?.promptTokens,
        cachedTokens: record?.cachedTokens,
        outputTokens: record?.completionTokens,
        reasoningTokens: record?.reasoningTokens,
        usageEstimated: record?.usageEstimated,
        costUsd: record === undefined ? undefined : formatUsd(record.costNanoUsd),
        ttfbMs: record?.ttfbMs,
        attempts: record?.attempts,
        upstreamRequestId: this.#latestAttempt?.upstreamRequestId,
        traceId: this.#server?.span.spanContext().traceId,
        prompt: this.#prompt,
        completion: this.#completion,
      },
      "request",
    );
  }

  #endSpan(status: string, deployment: string): void {
    const span = this.#server?.span;
    if (span === undefined) return;
    const matched = this.#route !== UNMATCHED_ROUTE;
    const rpc = this.#protocol !== "rest" && matched;
    // OpenTelemetry's names: the RPC method, else the HTTP method and route (only the method for no route).
    span.updateName(rpc ? this.#route.slice(1) : matched ? `${this.#method} ${this.#route}` : this.#method);
    const attributes: Attributes = {
      "http.route": this.#route,
      "http.response.status_code": this.#httpStatus,
      "tensorwall.protocol": this.#protocol,
    };
    if (rpc) {
      const [service, method] = this.#route.slice(1).split("/");
      attributes["rpc.system"] = this.#protocol === "connect" ? "connect_rpc" : "grpc";
      attributes["rpc.service"] = service;
      attributes["rpc.method"] = method;
    }
    if (status !== "ok") attributes["error.type"] = status;
    const record = this.#record;
    if (record !== undefined) {
      Object.assign(attributes, {
        "gen_ai.operation.name": "chat",
        "gen_ai.system": GEN_AI_SYSTEM,
        "gen_ai.request.model": record.route,
        "gen_ai.response.model": record.model,
        "gen_ai.usage.input_tokens": record.promptTokens,
        "gen_ai.usage.output_tokens": record.completionTokens,
        "tensorwall.key_id": record.keyId,
        "tensorwall.deployment": deployment,
        "cloud.region": record.region,
        "tensorwall.attempts": record.attempts,
        "tensorwall.cost_usd": formatUsd(record.costNanoUsd),
      });
    }
    span.setAttributes(attributes);
    if (isServerError(status)) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }
}

/** The code the caller received: ours (also on a Connect error we made), or Connect's own. */
function errorCode(error: unknown): string {
  if (error instanceof ConnectError) return error.metadata.get(ERROR_CODE_HEADER) ?? codeToString(error.code);
  return toGatewayError(error).code;
}

/** A status that says the gateway or Azure failed, not the caller. */
function isServerError(status: string): boolean {
  if (Object.hasOwn(ERROR_TABLE, status)) return ERROR_TABLE[status as keyof typeof ERROR_TABLE].httpStatus >= 500;
  return status.startsWith("http_5");
}

function forwardableTrace(headers: IncomingHttpHeaders): Readonly<Record<string, string>> | undefined {
  const traceparent = headers["traceparent"];
  if (typeof traceparent !== "string" || !TRACEPARENT.test(traceparent)) return undefined;
  const tracestate = headers["tracestate"];
  return typeof tracestate === "string" && tracestate.length <= MAX_TRACESTATE_LENGTH && !/[\r\n]/.test(tracestate)
    ? { traceparent, tracestate }
    : { traceparent };
}

function choiceText(choice: JsonValue): string {
  if (typeof choice !== "object" || choice === null || Array.isArray(choice)) return "";
  const message = choice["message"];
  if (typeof message !== "object" || message === null || Array.isArray(message)) return "";
  const content = message["content"];
  return typeof content === "string" ? content : "";
}
