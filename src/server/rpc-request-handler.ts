import { Code, ConnectError, createConnectRouter, type ConnectRouter, type ConnectRouterOptions, type ContextValues } from "@connectrpc/connect";
import { compressionBrotli, compressionGzip, universalRequestFromNodeRequest } from "@connectrpc/connect-node";
import type { UniversalHandler, UniversalServerRequest, UniversalServerResponse } from "@connectrpc/connect/protocol";
import type * as http from "node:http";
import * as http2 from "node:http2";
import { GatewayError } from "../errors/index.js";
import type { RequestHandler } from "./one-port-server.js";

export interface RpcRequestHandlerOptions extends ConnectRouterOptions {
  readonly routes: (router: ConnectRouter) => void;
  /** Serves every request whose path is not an RPC method's. */
  readonly fallback: RequestHandler;
  readonly contextValues: (req: http.IncomingMessage | http2.Http2ServerRequest) => ContextValues;
  /** Told of a call whose response could not be written for a reason other than its client leaving. */
  readonly onUnexpectedError: (error: unknown) => void;
}

/**
 * connectNodeAdapter, made cheaper per call where it can be without changing what callers see.
 *
 * HTTP/2 requests: the request itself is the body stream (no async generator re-yielding its
 * chunks), and the request's signal is left alone once the response has ended. connect-node aborts
 * it on every stream's 'close', and an abort without a reason builds a DOMException with a stack
 * (about 10 µs on Node 20), although by then Connect has let go of the signal. HTTP/1 requests are
 * converted by connect-node's own function.
 *
 * Responses: a chunk the response takes at once costs one write, where connect-node's writer spends
 * a promise and four listener changes on each (on a stream, every message), and the writer does not
 * leave a promise waiting for an 'end' event that responses never emit.
 */
export function rpcRequestHandler(options: RpcRequestHandlerOptions): RequestHandler {
  const { routes, fallback, contextValues, onUnexpectedError, ...routerOptions } = options;
  const router = createConnectRouter({
    ...routerOptions,
    acceptCompression: routerOptions.acceptCompression ?? [compressionGzip, compressionBrotli],
  });
  routes(router);
  const handlers = new Map<string, UniversalHandler>();
  for (const handler of router.handlers) handlers.set(handler.requestPath, handler);
  return (req, res) => {
    const url = req.url ?? "";
    const query = url.indexOf("?");
    const handler = handlers.get(query === -1 ? url : url.slice(0, query));
    if (handler === undefined) {
      fallback(req, res);
      return;
    }
    const values = contextValues(req);
    let request: UniversalServerRequest;
    try {
      request = isHttp2Request(req)
        ? universalRequestFromHttp2(req, res as http2.Http2ServerResponse, values)
        : universalRequestFromNodeRequest(req, res as http.ServerResponse, undefined, values);
    } catch {
      // connect-node refuses an HTTP/1.0 request without a Host header; thrown from here it would end the process.
      res.writeHead(400, { "content-type": "text/plain", "content-length": 31 });
      res.end("A Host header must be present.\n");
      return;
    }
    handler(request)
      .then((response) => writeResponse(response, res))
      .catch((reason: unknown) => {
        if (!endedByClient(reason)) onUnexpectedError(reason);
      });
  };
}

function isHttp2Request(req: http.IncomingMessage | http2.Http2ServerRequest): req is http2.Http2ServerRequest {
  return req.httpVersionMajor === 2;
}

function universalRequestFromHttp2(
  req: http2.Http2ServerRequest,
  res: http2.Http2ServerResponse,
  contextValues: ContextValues,
): UniversalServerRequest {
  // Node falls back to the Host header; a request with neither still gets an answer (connect-node
  // throws here, out of the request listener). Connect reads the URL only for GET's query.
  const authority = req.authority ?? "localhost";
  const scheme = req.stream.session?.encrypted === true ? "https" : "http";
  const controller = new AbortController();
  req.once("close", () => {
    // An ended response means the call is over and Connect no longer listens to the signal.
    if (res.writableEnded) return;
    const error = resetError(req.stream.rstCode);
    if (error === undefined) controller.abort();
    else controller.abort(error);
  });
  return {
    httpVersion: req.httpVersion,
    method: req.method,
    url: new URL(req.url, `${scheme}://${authority}`).toString(),
    header: webHeaders(req.headers),
    body: req,
    signal: controller.signal,
    contextValues,
  };
}

/** The request's headers without HTTP/2 pseudo-headers, as Connect reads them. */
function webHeaders(headers: http2.IncomingHttpHeaders): Headers {
  const result = new Headers();
  for (const name in headers) {
    if (name.startsWith(":")) continue;
    const value = headers[name];
    if (typeof value === "string") result.append(name, value);
    else if (value !== undefined) for (const item of value) result.append(name, item);
  }
  return result;
}

const { constants } = http2;

/** The HTTP/2 reset codes that end a call with an error, as connect-node maps them; the others end it with a plain abort. */
const RESET_CODES: ReadonlyMap<number, readonly [name: string, code: Code]> = new Map([
  [constants.NGHTTP2_PROTOCOL_ERROR, ["PROTOCOL_ERROR", Code.Internal]],
  [constants.NGHTTP2_INTERNAL_ERROR, ["INTERNAL_ERROR", Code.Internal]],
  [constants.NGHTTP2_FLOW_CONTROL_ERROR, ["FLOW_CONTROL_ERROR", Code.Internal]],
  [constants.NGHTTP2_SETTINGS_TIMEOUT, ["SETTINGS_TIMEOUT", Code.Internal]],
  [constants.NGHTTP2_FRAME_SIZE_ERROR, ["FRAME_SIZE_ERROR", Code.Internal]],
  [constants.NGHTTP2_COMPRESSION_ERROR, ["COMPRESSION_ERROR", Code.Internal]],
  [constants.NGHTTP2_CONNECT_ERROR, ["CONNECT_ERROR", Code.Internal]],
  [constants.NGHTTP2_REFUSED_STREAM, ["REFUSED_STREAM", Code.Unavailable]],
  [constants.NGHTTP2_CANCEL, ["CANCEL", Code.Canceled]],
  [constants.NGHTTP2_ENHANCE_YOUR_CALM, ["ENHANCE_YOUR_CALM", Code.ResourceExhausted]],
  [constants.NGHTTP2_INADEQUATE_SECURITY, ["INADEQUATE_SECURITY", Code.PermissionDenied]],
  [constants.NGHTTP2_HTTP_1_1_REQUIRED, ["HTTP_1_1_REQUIRED", Code.PermissionDenied]],
]);

function resetError(rstCode: number): ConnectError | undefined {
  const known = RESET_CODES.get(rstCode);
  if (known === undefined) return undefined;
  const [name, code] = known;
  return new ConnectError(`http/2 stream closed with error code ${name} (0x${rstCode.toString(16)})`, code);
}

type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;

/**
 * Sends Connect's response as connect-node's universalResponseToNodeResponse does: headers once the
 * first chunk is ready (so the handler could still set them), each chunk in turn, then trailers.
 */
async function writeResponse(response: UniversalServerResponse, res: NodeResponse): Promise<void> {
  const body = response.body?.[Symbol.asyncIterator]();
  let writing = false;
  try {
    if (body !== undefined) {
      let chunk = await body.next();
      writing = true;
      writeHead(res, response);
      writing = false;
      for (; chunk.done !== true; chunk = await body.next()) {
        writing = true;
        const drained = write(res, chunk.value);
        if (drained !== undefined) await drained;
        writing = false;
      }
    }
    if (!res.headersSent) writeHead(res, response);
    if (response.trailer !== undefined) res.addTrailers(nodeHeaders(response.trailer));
    res.end();
  } catch (error) {
    // The handler hears of a failed write, so it stops producing: as the caller's cancellation, which
    // the ledger and the log record as such, not as a fault of the gateway.
    if (writing) body?.throw?.(callerLeft(error)).catch(ignore);
    throw error;
  } finally {
    body?.return?.().catch(ignore);
  }
}

function writeHead(res: NodeResponse, response: UniversalServerResponse): void {
  if (response.header === undefined) res.writeHead(response.status);
  else res.writeHead(response.status, nodeHeaders(response.header));
}

/** Undefined when the response took the chunk at once; else settles once it drains or fails. */
function write(res: NodeResponse, chunk: Uint8Array): Promise<void> | undefined {
  const errored = "errored" in res ? res.errored : null;
  if (errored !== null) return Promise.reject(errored);
  let failed: ((error: Error) => void) | undefined;
  const flushed = (res as http.ServerResponse).write(chunk, (error) => {
    if (error !== null && error !== undefined) failed?.(error);
  });
  if (flushed) return undefined;
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: Error): void => {
      res.off("error", settle);
      res.off("drain", settle);
      if (error === undefined) resolve();
      else reject(error);
    };
    failed = (error) => {
      settle(error);
      // The stream emits this error too once the write has failed; it is answered already.
      res.once("error", ignore);
    };
    res.once("error", settle);
    res.once("drain", settle);
  });
}

function nodeHeaders(headers: Headers): http.OutgoingHttpHeaders {
  const result: http.OutgoingHttpHeaders = Object.create(null);
  headers.forEach((value, name) => {
    const existing = result[name];
    if (existing === undefined) result[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else result[name] = [String(existing), value];
  });
  return result;
}

/** Node's error codes of a stream the client closed or reset, which connect-node answers as Aborted. */
const CLIENT_GONE_CODES: ReadonlySet<string> = new Set(["ERR_STREAM_WRITE_AFTER_END", "ERR_STREAM_DESTROYED", "ERR_HTTP2_INVALID_STREAM", "ECONNRESET"]);

/** Whether a call failed because its client went away: connectNodeAdapter does not log those. */
function endedByClient(reason: unknown): boolean {
  if (reason instanceof ConnectError) return reason.code === Code.Aborted;
  const seen = new Set<unknown>();
  for (let error = reason; error instanceof Error && !seen.has(error); error = error.cause) {
    seen.add(error);
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && CLIENT_GONE_CODES.has(code)) return true;
  }
  return false;
}

function callerLeft(cause: unknown): GatewayError {
  return new GatewayError("request_canceled", "The caller went away while the answer was being written.", { cause });
}

function ignore(): void {}
