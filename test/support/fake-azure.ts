/**
 * A fake Azure OpenAI on a loopback port, speaking Azure's wire format, for tests of the Azure
 * client and of the whole gateway. Script it with `behave()`; watch what reached it with `requests`
 * and the connection counters.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import {
  DEPLOYMENT_NOT_FOUND_BODY,
  MISSING_API_VERSION_BODY,
  RESOURCE_NOT_FOUND_BODY,
  SERVER_ERROR_BODY,
  SERVICE_UNAVAILABLE_BODY,
  STREAM_SERVER_ERROR,
  UNAUTHORIZED_BODY,
  chatCompletion,
  chosenTool,
  completionIdentity,
  contentFilterBody,
  exampleArguments,
  rateLimitedBody,
  responseHeaders,
  splitText,
  streamChunks,
  toolCallId,
  type FakeAnswer,
  type JsonRecord,
} from "./fake-azure-replies.js";

export interface FakeAzureOptions {
  /** The key the fake accepts in the `api-key` header. */
  apiKey: string;
  /** Deployment names it serves; any other is a 404 DeploymentNotFound. */
  deployments: readonly string[];
  /** Sent as `x-ms-region` on every answer when set. */
  region?: string;
  /** Entra ID tokens accepted as `Authorization: Bearer <token>`. Default none. */
  acceptedBearerTokens?: readonly string[];
}

/** One request as the fake received it. */
export interface FakeAzureRequest {
  method: string;
  /** The raw path, still percent-encoded. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; undefined when there was none or it was not JSON. */
  body: unknown;
  /** The deployment the request addressed (decoded from the path, or `model` on the v1 API). */
  deployment: string | undefined;
}

/** How a streamed (or non-streamed) answer is produced. */
export interface FakeStreamShape {
  /** The assistant's text. Default `Hello from <deployment>`. */
  content?: string;
  /** Into how many content chunks the text (or tool arguments) is split. Default: one per word. */
  chunks?: number;
  /** Pause before each stream event after the first, in ms. Default 0. */
  chunkDelayMs?: number;
  /** Pause between sending `[DONE]` and ending the response, in ms. Default 0. */
  lingerAfterDoneMs?: number;
}

/**
 * What the fake does with a request that passed auth and routing. The mid-stream behaviours count
 * `afterEvents` whole `data:` events of the normal stream (the first is the prompt-filter chunk, the
 * second the role chunk). On a non-streamed request, hang and die stop halfway through the JSON body
 * and errorMidStream answers 500.
 */
export type FakeBehaviour =
  | ({ kind: "normal" } & FakeStreamShape)
  | { kind: "status429"; retryAfterMs?: number | string; retryAfter?: number | string }
  | { kind: "status500"; retryAfter?: number | string }
  | { kind: "status503"; retryAfter?: number | string }
  | { kind: "status"; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: "contentFilter"; category?: "hate" | "self_harm" | "sexual" | "violence" }
  | { kind: "hang" }
  | ({ kind: "hangMidStream"; afterEvents?: number } & FakeStreamShape)
  | ({ kind: "dieMidStream"; afterEvents?: number } & FakeStreamShape)
  | ({ kind: "errorMidStream"; afterEvents?: number; error?: unknown } & FakeStreamShape)
  | { kind: "redirect"; location?: string }
  | { kind: "garbage"; body?: string; contentType?: string };

export interface FakeAzure {
  /** "http://127.0.0.1:PORT" */
  readonly url: string;
  /** Every request received, oldest first, including ones the fake refused. */
  readonly requests: readonly FakeAzureRequest[];
  /** Connections accepted so far; with keep-alive, several requests share one. */
  readonly connectionCount: number;
  /** Connections open right now. */
  readonly openConnections: number;
  /** Requests whose client went away before the fake finished answering. */
  readonly clientAborts: number;
  /**
   * Scripts the next `times` answers (default 1) for a deployment, or for any with "*"; pass
   * `times: Infinity` for a standing behaviour. Scripted answers for the exact deployment come first,
   * then "*", and one-off scripts come before standing ones.
   */
  behave(deployment: string, behaviour: FakeBehaviour, options?: { times?: number }): void;
  /** Resolves once `count` requests (in total) have arrived. */
  waitForRequests(count: number): Promise<void>;
  /** Resolves once `count` client aborts (in total) have happened. */
  waitForClientAborts(count?: number): Promise<void>;
  /** Forgets scripts and the request log; counters keep counting. */
  reset(): void;
  close(): Promise<void>;
}

interface Script {
  behaviour: FakeBehaviour;
  remaining: number;
}

const DEFAULT_MID_STREAM_EVENTS = 3;

export async function startFakeAzure(options: FakeAzureOptions): Promise<FakeAzure> {
  const requests: FakeAzureRequest[] = [];
  const scripts = new Map<string, Script[]>();
  const deployments = new Set(options.deployments);
  const bearerTokens = new Set(options.acceptedBearerTokens ?? []);
  const sockets = new Set<Socket>();
  const waiters: { ready: () => boolean; resolve: () => void }[] = [];
  let connectionCount = 0;
  let clientAborts = 0;
  let closing = false;

  const notify = (): void => {
    for (const waiter of [...waiters]) {
      if (waiter.ready()) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  const waitFor = (ready: () => boolean): Promise<void> =>
    ready() ? Promise.resolve() : new Promise((resolve) => waiters.push({ ready, resolve }));

  const nextBehaviour = (deployment: string): FakeBehaviour => {
    for (const standing of [false, true]) {
      for (const key of [deployment, "*"]) {
        const queue = scripts.get(key) ?? [];
        const index = queue.findIndex((script) => (script.remaining === Infinity) === standing);
        const script = queue[index];
        if (script === undefined) continue;
        script.remaining -= 1;
        if (script.remaining <= 0) queue.splice(index, 1);
        return script.behaviour;
      }
    }
    return { kind: "normal" };
  };

  const server = createServer((req, res) => {
    // The fake itself cutting a connection (dieMidStream, close()) is not the client going away.
    let fakeCut = false;
    const cut = (): void => {
      fakeCut = true;
      res.socket?.destroy();
    };
    res.on("close", () => {
      if (!res.writableFinished && !fakeCut && !closing) {
        clientAborts += 1;
        notify();
      }
    });
    readBody(req)
      .then((raw) => {
        const entry = logRequest(req, raw);
        requests.push(entry);
        notify();
        return answer(entry, res, cut);
      })
      // A body cut short by the client is the client's doing; anything else is the fake giving up.
      .catch(() => {
        if (!res.destroyed) cut();
      });
  });
  server.on("connection", (socket: Socket) => {
    connectionCount += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  const answer = async (request: FakeAzureRequest, res: ServerResponse, cut: () => void): Promise<void> => {
    const headers = responseHeaders(options.region);
    const route = routeOf(request);
    if (route.kind === "unknown") return sendJson(res, 404, RESOURCE_NOT_FOUND_BODY, headers);
    if (!authorized(request.headers, options.apiKey, bearerTokens)) {
      return sendJson(res, 401, UNAUTHORIZED_BODY, headers);
    }
    if (route.kind === "missing_api_version") return sendJson(res, 400, MISSING_API_VERSION_BODY, headers);
    if (route.kind === "bad_api_version") return sendJson(res, 404, RESOURCE_NOT_FOUND_BODY, headers);
    const deployment = request.deployment;
    if (deployment === undefined || !deployments.has(deployment)) {
      return sendJson(res, 404, DEPLOYMENT_NOT_FOUND_BODY, headers);
    }
    const body = request.body;
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return sendJson(res, 400, { error: { code: "BadRequest", message: "The request body is not valid JSON." } }, headers);
    }
    await perform(nextBehaviour(deployment), { deployment, body: body as JsonRecord, res, headers, cut });
  };

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    requests,
    get connectionCount() {
      return connectionCount;
    },
    get openConnections() {
      return sockets.size;
    },
    get clientAborts() {
      return clientAborts;
    },
    behave(deployment, behaviour, behaveOptions = {}) {
      const times = behaveOptions.times ?? 1;
      const queue = scripts.get(deployment) ?? [];
      queue.push({ behaviour: { ...behaviour }, remaining: times });
      scripts.set(deployment, queue);
    },
    waitForRequests: (count) => waitFor(() => requests.length >= count),
    waitForClientAborts: (count = 1) => waitFor(() => clientAborts >= count),
    reset() {
      scripts.clear();
      requests.length = 0;
    },
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

type Route =
  | { kind: "chat" }
  | { kind: "missing_api_version" }
  | { kind: "bad_api_version" }
  | { kind: "unknown" };

const DEPLOYMENT_PATH = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/;
const API_VERSION = /^\d{4}-\d{2}-\d{2}(?:-preview)?$/;

function routeOf(request: FakeAzureRequest): Route {
  if (request.method !== "POST") return { kind: "unknown" };
  if (request.path === "/openai/v1/chat/completions") return { kind: "chat" };
  if (!DEPLOYMENT_PATH.test(request.path)) return { kind: "unknown" };
  const apiVersion = request.query.get("api-version");
  if (apiVersion === null) return { kind: "missing_api_version" };
  return API_VERSION.test(apiVersion) ? { kind: "chat" } : { kind: "bad_api_version" };
}

function deploymentOf(path: string, body: unknown): string | undefined {
  if (path === "/openai/v1/chat/completions") {
    const model = typeof body === "object" && body !== null ? (body as Record<string, unknown>)["model"] : undefined;
    return typeof model === "string" ? model : undefined;
  }
  const encoded = DEPLOYMENT_PATH.exec(path)?.[1];
  if (encoded === undefined) return undefined;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}

function authorized(headers: IncomingHttpHeaders, apiKey: string, bearerTokens: ReadonlySet<string>): boolean {
  if (headers["api-key"] === apiKey) return true;
  const match = /^Bearer (.+)$/.exec(headers.authorization ?? "");
  return match?.[1] !== undefined && bearerTokens.has(match[1]);
}

function logRequest(req: IncomingMessage, raw: string): FakeAzureRequest {
  const url = new URL(req.url ?? "/", "http://fake");
  let body: unknown;
  try {
    body = raw === "" ? undefined : JSON.parse(raw);
  } catch {
    body = undefined;
  }
  return {
    method: req.method ?? "",
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    body,
    deployment: deploymentOf(url.pathname, body),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const pieces: Buffer[] = [];
  for await (const piece of req) pieces.push(piece as Buffer);
  return Buffer.concat(pieces).toString("utf8");
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

interface Exchange {
  deployment: string;
  body: JsonRecord;
  res: ServerResponse;
  headers: Record<string, string>;
  cut: () => void;
}

async function perform(behaviour: FakeBehaviour, exchange: Exchange): Promise<void> {
  const { res, headers } = exchange;
  switch (behaviour.kind) {
    case "normal":
      return reply(exchange, behaviour, { kind: "complete" });
    case "hangMidStream":
      return reply(exchange, behaviour, { kind: "hang", afterEvents: behaviour.afterEvents ?? DEFAULT_MID_STREAM_EVENTS });
    case "dieMidStream":
      return reply(exchange, behaviour, { kind: "die", afterEvents: behaviour.afterEvents ?? DEFAULT_MID_STREAM_EVENTS });
    case "errorMidStream":
      return reply(exchange, behaviour, {
        kind: "error",
        afterEvents: behaviour.afterEvents ?? DEFAULT_MID_STREAM_EVENTS,
        error: behaviour.error ?? STREAM_SERVER_ERROR,
      });
    case "status429": {
      const seconds = Number(behaviour.retryAfter ?? 1) || 1;
      return sendJson(res, 429, rateLimitedBody(seconds), {
        ...headers,
        ...(behaviour.retryAfterMs !== undefined && { "retry-after-ms": String(behaviour.retryAfterMs) }),
        ...(behaviour.retryAfter !== undefined && { "retry-after": String(behaviour.retryAfter) }),
      });
    }
    case "status500":
    case "status503":
      return sendJson(res, behaviour.kind === "status500" ? 500 : 503, behaviour.kind === "status500" ? SERVER_ERROR_BODY : SERVICE_UNAVAILABLE_BODY, {
        ...headers,
        ...(behaviour.retryAfter !== undefined && { "retry-after": String(behaviour.retryAfter) }),
      });
    case "status":
      return sendJson(res, behaviour.status, behaviour.body ?? {}, { ...headers, ...behaviour.headers });
    case "contentFilter":
      return sendJson(res, 400, contentFilterBody(behaviour.category ?? "violence"), headers);
    case "hang":
      return; // the connection stays open until the client gives up or the fake closes
    case "redirect":
      res.writeHead(302, { ...headers, location: behaviour.location ?? "/redirected", "content-length": 0 });
      res.end();
      return;
    case "garbage": {
      const text = behaviour.body ?? "<html><body><h1>502 Bad Gateway</h1></body></html>";
      res.writeHead(200, { ...headers, "content-type": behaviour.contentType ?? "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
      return;
    }
  }
}

/** How the answer ends: completely, or cut short in one of three ways. */
type Ending =
  | { kind: "complete" }
  | { kind: "hang"; afterEvents: number }
  | { kind: "die"; afterEvents: number }
  | { kind: "error"; afterEvents: number; error: unknown };

async function reply(exchange: Exchange, shape: FakeStreamShape, ending: Ending): Promise<void> {
  const { deployment, body, res, headers } = exchange;
  const identity = completionIdentity(deployment);
  const tool = chosenTool(body);
  const answer: FakeAnswer =
    tool === undefined
      ? { kind: "text", pieces: splitText(shape.content ?? `Hello from ${deployment}`, shape.chunks) }
      : {
          kind: "tool_call",
          id: toolCallId(),
          name: tool.name,
          argumentPieces: splitText(exampleArguments(tool.parameters), shape.chunks ?? 3),
        };

  if (body["stream"] !== true) {
    if (ending.kind === "error") return sendJson(res, 500, SERVER_ERROR_BODY, headers);
    const text = JSON.stringify(chatCompletion(identity, answer, body));
    res.writeHead(200, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    if (ending.kind === "complete") {
      res.end(text);
      return;
    }
    res.write(text.slice(0, Math.floor(text.length / 2)));
    if (ending.kind === "die") setImmediate(exchange.cut);
    return;
  }

  res.writeHead(200, { ...headers, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  // Azure sends a stream's headers at once; node:http would hold them until the first write.
  res.flushHeaders();
  const events = streamChunks(identity, answer, body);
  const limit = ending.kind === "complete" ? events.length : Math.min(ending.afterEvents, events.length);
  for (let i = 0; i < limit; i++) {
    if (i > 0 && (shape.chunkDelayMs ?? 0) > 0) await sleep(shape.chunkDelayMs ?? 0);
    if (res.destroyed) return;
    res.write(`data: ${JSON.stringify(events[i])}\n\n`);
  }
  switch (ending.kind) {
    case "complete":
      if ((shape.lingerAfterDoneMs ?? 0) > 0) {
        res.write("data: [DONE]\n\n");
        await sleep(shape.lingerAfterDoneMs ?? 0);
        if (!res.destroyed) res.end();
        return;
      }
      res.end("data: [DONE]\n\n");
      return;
    case "hang":
      return;
    case "die":
      // Let the written events reach the client first, then drop the connection mid-answer.
      setImmediate(exchange.cut);
      return;
    case "error":
      res.end(`data: ${JSON.stringify({ error: ending.error })}\n\ndata: [DONE]\n\n`);
      return;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
