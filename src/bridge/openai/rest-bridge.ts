import type { OutgoingHttpHeaders } from "node:http";
import { CallAbort } from "../../cancel/index.js";
import { chatCallFromHeaders, servedByHeaderEntries, type ChatCall, type ChatCompletions, type ChatStream } from "../../chat/index.js";
import { dashboardReply, isDashboardPath } from "../../dashboard/index.js";
import { GatewayError, toGatewayError } from "../../errors/index.js";
import type { ReadinessCheck } from "../../health/index.js";
import { pathOf } from "../../http-request/index.js";
import type { KeyRegistry } from "../../keys/index.js";
import type { MetricsEndpoint } from "../../metrics/index.js";
import { requestTelemetry, UNMATCHED_ROUTE } from "../../observability/index.js";
import { chatChunkToJson, chatRequestFromJson, chatResponseToJson } from "../../openai-json/index.js";
import type { ServedBy } from "../../../gen/tensorwall/v1/chat_pb.js";
import type { HttpRequest, HttpResponse, StampableResponse } from "./http-types.js";
import { openAiErrorJson } from "./openai-error-json.js";
import { readJsonBody } from "./read-json-body.js";
import { SseWriter } from "./sse-writer.js";
import { writeErrorResponse } from "./write-error-response.js";

export interface RestBridgeOptions {
  readonly chat: ChatCompletions;
  readonly keys: KeyRegistry;
  /** Larger request bodies are refused with 413. */
  readonly maxRequestBytes: number;
  /** Told of errors the gateway did not expect (bugs), for the operator's logs. */
  readonly onUnexpectedError: (error: unknown) => void;
  /** Answers `GET /readyz`. */
  readonly readiness: ReadinessCheck;
  /** Answers `GET /metrics`; undefined when metrics are off (the path is then not found). */
  readonly metrics?: MetricsEndpoint | undefined;
  /**
   * Fires when the gateway stops waiting for in-flight requests at shutdown, with the error they
   * end with (a stream gets it as its last event).
   */
  readonly shutdownSignal?: AbortSignal | undefined;
}

export type RestHandler = (req: HttpRequest, res: StampableResponse) => void;

const DEPLOYMENT_PATH = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/;

/**
 * The OpenAI-compatible REST door: OpenAI's paths and Azure's own, translated to and from the same
 * chat core the RPC door uses.
 */
export function createRestBridge(options: RestBridgeOptions): RestHandler {
  const inFlight = new Set<CallAbort>();
  const { shutdownSignal } = options;
  shutdownSignal?.addEventListener("abort", () => {
    for (const abort of inFlight) abort.abort(shutdownSignal.reason);
  }, { once: true });
  const bridge: Bridge = { ...options, inFlight };
  return (req, res) => {
    void route(bridge, req, res).catch((error: unknown) => fail(bridge, req, res, error));
  };
}

/** The options, and the chat requests being answered. */
interface Bridge extends RestBridgeOptions {
  /**
   * The controller of each chat request in flight, which shutdown aborts. One listener on the
   * shutdown signal for them all: EventTarget finds a listener by walking all of them, so one per
   * request would cost each request time in proportion to how many are open.
   */
  readonly inFlight: Set<CallAbort>;
}

async function route(options: Bridge, req: HttpRequest, res: StampableResponse): Promise<void> {
  const path = pathOf(req.url ?? "/");
  if (path === "/v1/chat/completions" || path === "/openai/v1/chat/completions") {
    requireMethod(req, "POST");
    return chatCompletions(options, req, res, undefined);
  }
  const deploymentMatch = DEPLOYMENT_PATH.exec(path);
  if (deploymentMatch) {
    requestTelemetry(req)?.routed("/openai/deployments/{deployment}/chat/completions");
    requireMethod(req, "POST");
    return chatCompletions(options, req, res, decodeDeployment(deploymentMatch[1]!));
  }
  if (path === "/v1/models" || path === "/openai/v1/models") {
    requireMethod(req, "GET");
    return listModels(options, req, res);
  }
  if (path === "/healthz") {
    requireMethod(req, "GET");
    return healthy(res);
  }
  if (path === "/readyz") {
    requireMethod(req, "GET");
    return ready(options, res);
  }
  if (path === "/metrics" && options.metrics !== undefined) {
    requireMethod(req, "GET");
    const reply = await options.metrics((name) => headerValue(req, name));
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
    return;
  }
  if (isDashboardPath(path)) {
    requireMethod(req, "GET");
    const reply = await dashboardReply(path, options.keys, (name) => headerValue(req, name));
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
    return;
  }
  requestTelemetry(req)?.routed(UNMATCHED_ROUTE);
  throw new GatewayError("not_found", `No route for ${req.method ?? "GET"} ${path}.`);
}

async function chatCompletions(
  options: Bridge,
  req: HttpRequest,
  res: StampableResponse,
  deploymentFromPath: string | undefined,
): Promise<void> {
  // Aborted when the caller goes away, or with the shutdown's error when the gateway stops waiting.
  const abort = new CallAbort();
  let callerLeft = false;
  options.inFlight.add(abort);
  res.on("close", () => {
    options.inFlight.delete(abort);
    if (res.writableFinished) return;
    callerLeft = true;
    abort.abort();
  });
  const call = await callFor(options, req, abort);
  const json = await readJsonBody(req, options.maxRequestBytes);
  if (deploymentFromPath !== undefined && isObject(json)) {
    // Azure's own path names the deployment in the URL; a model in the body is ignored, as Azure does.
    json.model = `azure/${deploymentFromPath}`;
  }
  const { request, stream } = chatRequestFromJson(json);
  if (!stream) {
    // Rate-limit headers are stamped on the response now; they go out with the head of the answer or an error.
    const response = await options.chat.create(request, call, (name, value) => res.stampHeader(name, value));
    const body = JSON.stringify(chatResponseToJson(response));
    const headers = servedByHeaders(response.servedBy);
    headers["content-type"] = "application/json";
    headers["content-length"] = Buffer.byteLength(body);
    res.writeHead(200, headers);
    res.end(body);
    return;
  }
  const opened = await options.chat.openStream(request, call, (name, value) => res.stampHeader(name, value));
  // Returned, not awaited: this frame (with the request body) is not held for the stream's life.
  return relayStream(options, res, opened, () => callerLeft);
}

/** Writes an open stream's chunks as server-sent events, ending with [DONE] or a clean error event. */
async function relayStream(options: RestBridgeOptions, res: HttpResponse, opened: ChatStream, callerLeft: () => boolean): Promise<void> {
  const sse = new SseWriter(res, servedByHeaders(opened.servedBy));
  try {
    for await (const chunk of opened.chunks) {
      const written = sse.send(chatChunkToJson(chunk));
      if (written) await written;
      if (callerLeft()) return;
    }
    sse.done();
  } catch (error) {
    if (callerLeft()) return;
    const gatewayError = reportIfUnexpected(options, error);
    sse.fail(openAiErrorJson(gatewayError));
  }
}

async function listModels(options: RestBridgeOptions, req: HttpRequest, res: HttpResponse): Promise<void> {
  await callFor(options, req, new CallAbort());
  const models = options.chat.listModels().models.map((model) => ({
    id: model.id,
    object: "model",
    created: Number(model.created),
    owned_by: model.ownedBy,
  }));
  const body = JSON.stringify({ object: "list", data: models });
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function healthy(res: HttpResponse): void {
  const body = '{"status":"ok"}';
  res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
  res.end(body);
}

/** 200 or 503 with the reason, for load balancers and Kubernetes; needs no key, like /healthz. */
async function ready(options: RestBridgeOptions, res: HttpResponse): Promise<void> {
  const readiness = await options.readiness();
  const body = JSON.stringify(readiness.ready ? { status: "ready" } : { status: "not_ready", reason: readiness.reason });
  res.writeHead(readiness.ready ? 200 : 503, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  res.end(body);
}

async function callFor(options: RestBridgeOptions, req: HttpRequest, abort: CallAbort): Promise<ChatCall> {
  const call = await chatCallFromHeaders(options.keys, (name) => headerValue(req, name), abort);
  // The spread last: on Node 20 a property written after a spread takes a slow path.
  return { telemetry: requestTelemetry(req), ...call };
}

function fail(options: RestBridgeOptions, req: HttpRequest, res: HttpResponse, error: unknown): void {
  const gatewayError = reportIfUnexpected(options, error);
  requestTelemetry(req)?.failed(gatewayError);
  writeErrorResponse(res, gatewayError);
}

function reportIfUnexpected(options: RestBridgeOptions, error: unknown): GatewayError {
  const gatewayError = toGatewayError(error);
  if (gatewayError.code === "internal_error") options.onUnexpectedError(error);
  return gatewayError;
}

function requireMethod(req: HttpRequest, method: string): void {
  if (req.method !== method) {
    throw new GatewayError("method_not_allowed", `Use ${method} for this path.`);
  }
}

/** A new headers object, which the caller may add to. */
function servedByHeaders(servedBy: ServedBy | undefined): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  if (servedBy !== undefined) for (const [name, value] of servedByHeaderEntries(servedBy)) headers[name] = value;
  return headers;
}

function headerValue(req: HttpRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function decodeDeployment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new GatewayError("invalid_request", "The deployment name in the path is not valid URL encoding.");
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
