import { createConnectRouter, type ConnectRouter, type ConnectRouterOptions, type ContextValues } from "@connectrpc/connect";
import { compressionBrotli, compressionGzip, universalRequestFromNodeRequest } from "@connectrpc/connect-node";
import type { UniversalHandler, UniversalServerRequest, UniversalServerResponse } from "@connectrpc/connect/protocol";
import type * as http from "node:http";
import type * as http2 from "node:http2";
import { pathOf } from "../http-request/index.js";
import { BinaryRpc, type BinaryRpcOptions, type BinaryRpcProtocols } from "./binary-rpc.js";
import type { RequestHandler, StreamHandler } from "./one-port-server.js";
import { PlainHeaders } from "./plain-headers.js";
import { abortWhenClientLeaves, callerLeft, endedByClient, ignore, nodeHeaders, write, type NodeResponse } from "./rpc-node-io.js";

export interface RpcRequestHandlerOptions extends ConnectRouterOptions {
  readonly routes: (router: ConnectRouter) => void;
  /** Serves every request whose path is not an RPC method's. */
  readonly fallback: RequestHandler;
  /** A call's context values, on Connect's handlers. */
  readonly contextValues: (req: http.IncomingMessage | http2.Http2ServerRequest) => ContextValues;
  /** Called as each call on the binary path starts, with the call's own signal. */
  readonly startCall: BinaryRpcOptions["startCall"];
  /** Told of a call whose response could not be written for a reason other than its client leaving. */
  readonly onUnexpectedError: (error: unknown) => void;
}

/** The RPC door: a request handler, and a stream handler for the calls the binary path answers. */
export interface RpcHandlers {
  readonly request: RequestHandler;
  readonly stream: StreamHandler;
}

/**
 * connectNodeAdapter, made cheaper per call where it can be without changing what callers see.
 *
 * Binary unary and server-streaming calls over HTTP/2 are answered by the binary path (BinaryRpc)
 * on the HTTP/2 stream itself, when the router options are ones it honours; every other request
 * goes through Connect's handlers.
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
export function rpcRequestHandler(options: RpcRequestHandlerOptions): RpcHandlers {
  const { routes, fallback, contextValues, startCall, onUnexpectedError, ...routerOptions } = options;
  const router = createConnectRouter({
    ...routerOptions,
    acceptCompression: routerOptions.acceptCompression ?? [compressionGzip, compressionBrotli],
  });
  const binary = new BinaryRpc({
    protocols: binaryPathProtocols(routerOptions),
    interceptors: routerOptions.interceptors ?? [],
    readMaxBytes: routerOptions.readMaxBytes ?? DEFAULT_READ_MAX_BYTES,
    shutdownSignal: routerOptions.shutdownSignal,
    startCall,
    onUnexpectedError,
  });
  routes(servedByBoth(router, binary));
  const handlers = new Map<string, UniversalHandler>();
  for (const handler of router.handlers) handlers.set(handler.requestPath, handler);
  const onStream: StreamHandler = (stream, headers) => binary.serve(stream, headers);
  const onRequest: RequestHandler = (req, res) => {
    const handler = handlers.get(pathOf(req.url ?? ""));
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
  return { request: onRequest, stream: onStream };
}

/** Connect's own default, which its handlers apply when none is given. */
const DEFAULT_READ_MAX_BYTES = 0xffffffff;

/**
 * The protocols the binary path may answer: those the router serves, and none when an option asks
 * for something only Connect's handlers do (a response size limit, a timeout ceiling, a required
 * Connect-Protocol-Version header, other binary serialisation options).
 */
function binaryPathProtocols(options: ConnectRouterOptions): BinaryRpcProtocols {
  const onlyConnectHonours =
    options.writeMaxBytes !== undefined ||
    options.maxTimeoutMs !== undefined ||
    options.requireConnectProtocolHeader === true ||
    options.binaryOptions !== undefined;
  return {
    connect: !onlyConnectHonours && options.connect !== false,
    grpc: !onlyConnectHonours && options.grpc !== false,
  };
}

/**
 * A router that registers each service with Connect and, where it can serve them, with the binary
 * path too. A service registered with its own options is left to Connect alone.
 */
function servedByBoth(router: ConnectRouter, binary: BinaryRpc): ConnectRouter {
  const both: ConnectRouter = {
    get handlers() {
      return router.handlers;
    },
    service(service, implementation, options) {
      router.service(service, implementation, options);
      if (options === undefined) binary.addService(service, implementation);
      return both;
    },
    rpc(method, impl, options) {
      router.rpc(method, impl, options);
      if (options === undefined) binary.addMethod(method, impl as never);
      return both;
    },
  };
  return both;
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
  abortWhenClientLeaves(req, res, controller);
  return {
    httpVersion: req.httpVersion,
    method: req.method,
    url: new URL(req.url, `${scheme}://${authority}`).toString(),
    header: PlainHeaders.fromRequest(req.headers),
    body: req,
    signal: controller.signal,
    contextValues,
  };
}

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
