import { create, isMessage, type DescMessage, type DescMethod, type DescService } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ContextValues,
  type HandlerContext,
  type Interceptor,
  type StreamRequest,
  type StreamResponse,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { codeToHttpStatus, endStreamToJson, errorToJsonBytes, parseTimeout as parseConnectTimeout } from "@connectrpc/connect/protocol-connect";
import { parseTimeout as parseGrpcTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import type * as http2 from "node:http2";
import { CallAbort, type CancelSignal } from "../cancel/index.js";
import { pathOf, readStreamBody, RequestBodyError } from "../http-request/index.js";
import { binaryDecoder, binaryEncoder, type BinaryDecoder, type BinaryEncoder } from "../protobuf-binary/index.js";
import { PlainHeaders } from "./plain-headers.js";
import { abortWhenStreamCloses, callerLeft, endedByClient, ignore, nodeHeaders, write } from "./rpc-node-io.js";

/** Which protocols the binary path answers; the others' requests go to Connect's handlers. */
export interface BinaryRpcProtocols {
  readonly connect: boolean;
  readonly grpc: boolean;
}

export interface BinaryRpcOptions {
  readonly protocols: BinaryRpcProtocols;
  readonly interceptors: readonly Interceptor[];
  /** The largest request message accepted, in bytes. */
  readonly readMaxBytes: number;
  /** When it fires, every call still running is aborted with its reason. */
  readonly shutdownSignal?: AbortSignal | undefined;
  /**
   * Called as each call starts, before its request is read. `signal` is the call's own CallAbort,
   * behind HandlerContext.signal, which the gateway hands to the chat service so that no
   * AbortSignal need be made.
   */
  readonly startCall: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, signal: CancelSignal) => StartedCall;
  /** Told of a call whose response could not be written for a reason other than its client leaving. */
  readonly onUnexpectedError: (error: unknown) => void;
}

/** What the binary path is told of a call as it starts. */
export interface StartedCall {
  readonly values: ContextValues;
  /**
   * Headers every response of the call carries, whatever its implementation sets (the request id):
   * what StampedResponse.stampHeader adds to the responses Connect's handlers write.
   */
  readonly responseHeaders: http2.OutgoingHttpHeaders;
}

/** A call the binary path takes, as its request's headers describe it. */
interface BinaryRoute {
  readonly method: BinaryMethod;
  readonly protocol: Protocol;
  readonly timeoutMs: number | undefined;
}

/** A method implementation as a service implementation holds it: unary or server-streaming. */
type MethodImpl = (request: unknown, context: HandlerContext) => unknown;

interface BinaryMethod {
  readonly method: DescMethod;
  readonly impl: MethodImpl;
  readonly input: BinaryDecoder<unknown>;
  readonly output: BinaryEncoder<unknown>;
}

type Protocol = "connect" | "grpc";

const CONTENT_TYPE_CONNECT_UNARY = "application/proto";
const CONTENT_TYPE_CONNECT_STREAM = "application/connect+proto";
const CONTENT_TYPE_GRPC = "application/grpc+proto";
const ENVELOPE_HEADER_BYTES = 5;
const FLAG_COMPRESSED = 0b01;
const FLAG_END_STREAM = 0b10;

/**
 * Unary and server-streaming calls in the binary format over HTTP/2, without compression, answered
 * without Connect's generic handler pipeline, and on Node's HTTP/2 core API (the stream and its
 * headers) rather than its compatibility layer: gRPC, and Connect's unary and streaming protocols.
 * These are what typed clients send, and Connect's pipeline (async generators stacked per call, a
 * linked AbortController aborted at every call's end, a Headers copy per stage) costs more than the
 * call's own work. The same service implementations and interceptors answer, with the same
 * kind of HandlerContext, so callers see the same responses; everything else (JSON, compression, gRPC-Web,
 * HTTP/1.1, GET, client and bidi streams, a malformed timeout) goes to Connect's handlers.
 *
 * Responses are never compressed here, which every protocol allows whatever the caller accepts.
 */
export class BinaryRpc {
  readonly #options: BinaryRpcOptions;
  readonly #methods = new Map<string, BinaryMethod>();
  /** Each running call's abort, which shutdown fires: one listener for them all. */
  readonly #running = new Set<CallAbort>();

  constructor(options: BinaryRpcOptions) {
    this.#options = options;
    const { shutdownSignal } = options;
    shutdownSignal?.addEventListener("abort", () => {
      for (const abort of this.#running) abort.abort(shutdownSignal.reason);
    }, { once: true });
  }

  /** Serves a service's unary and server-streaming methods that `implementation` implements. */
  addService(service: DescService, implementation: object): void {
    for (const method of service.methods) {
      const impl: unknown = (implementation as Record<string, unknown>)[method.localName];
      if (typeof impl !== "function") continue;
      this.addMethod(method, impl.bind(implementation) as MethodImpl);
    }
  }

  addMethod(method: DescMethod, impl: MethodImpl): void {
    if (method.methodKind !== "unary" && method.methodKind !== "server_streaming") return;
    this.#methods.set(`/${method.parent.typeName}/${method.name}`, {
      method,
      impl,
      input: binaryDecoder(method.input),
      output: binaryEncoder(method.output) as BinaryEncoder<unknown>,
    });
  }

  /** Answers the call on the stream and returns true, or returns false, leaving it to Connect's handlers. */
  serve(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): boolean {
    const route = this.#route(headers);
    if (route === undefined) return false;
    new BinaryCall(this.#options, this.#running, route, stream, headers).run().catch((error: unknown) => {
      if (!endedByClient(error)) this.#options.onUnexpectedError(error);
    });
    return true;
  }

  /** The call this path answers for a request with these headers, read from the headers alone. */
  #route(headers: http2.IncomingHttpHeaders): BinaryRoute | undefined {
    // Node's compatibility layer answers an Expect header (100 Continue, or 417), so such a request
    // is left to it and Connect's handlers.
    if (headers[":method"] !== "POST" || headers.expect !== undefined) return undefined;
    const method = this.#methods.get(pathOf(headers[":path"] ?? ""));
    if (method === undefined) return undefined;
    const protocol = binaryProtocol(headers, method.method.methodKind === "unary");
    if (protocol === undefined || !this.#options.protocols[protocol]) return undefined;
    const rawTimeout = headers[protocol === "grpc" ? "grpc-timeout" : "connect-timeout-ms"];
    // Connect's handlers answer a malformed timeout with the error each protocol expects.
    if (Array.isArray(rawTimeout)) return undefined;
    const timeout = protocol === "grpc"
      ? parseGrpcTimeout(rawTimeout ?? null, Number.MAX_SAFE_INTEGER)
      : parseConnectTimeout(rawTimeout ?? null, Number.MAX_SAFE_INTEGER);
    if (timeout.error !== undefined) return undefined;
    return { method, protocol, timeoutMs: timeout.timeoutMs };
  }
}

/**
 * A call's HandlerContext, with `url` and `signal` as getters on the class's prototype rather than
 * in an object literal: on Node 20 an object made by a literal with accessors keeps what it
 * references alive through every scavenge until the next full collection, so each call's whole
 * object graph (its HTTP/2 stream, request and response, the call) was promoted to the old space.
 * With one call at a time the old space grew 1.5-1.9 MB per scavenge with the literal, 0.3-0.4 MB
 * with this class (--trace-gc); a data property holding a closure does not do it either.
 */
class CallContext implements HandlerContext {
  readonly service: DescService;
  readonly requestMethod = "POST";
  readonly requestHeader: Headers;
  readonly responseHeader: Headers;
  readonly responseTrailer: Headers;
  readonly values: ContextValues;
  readonly timeoutMs: () => number | undefined;
  readonly #stream: http2.ServerHttp2Stream;
  readonly #headers: http2.IncomingHttpHeaders;
  readonly #abort: CallAbort;

  constructor(
    readonly method: DescMethod,
    readonly protocolName: Protocol,
    stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
    abort: CallAbort,
    deadlineAtMs: number | undefined,
    fields: Pick<HandlerContext, "requestHeader" | "responseHeader" | "responseTrailer" | "values">,
  ) {
    this.service = method.parent;
    this.requestHeader = fields.requestHeader;
    this.responseHeader = fields.responseHeader;
    this.responseTrailer = fields.responseTrailer;
    this.values = fields.values;
    this.timeoutMs = () => (deadlineAtMs === undefined ? undefined : deadlineAtMs - Date.now());
    this.#stream = stream;
    this.#headers = headers;
    this.#abort = abort;
  }

  /** Made only if something reads it, as the signal is. Node's compatibility request falls back to Host too. */
  get url(): string {
    const headers = this.#headers;
    const scheme = this.#stream.session?.encrypted === true ? "https" : "http";
    return `${scheme}://${headers[":authority"] ?? headers.host ?? "localhost"}${headers[":path"] ?? ""}`;
  }

  /** Made only if something reads it: the chat service listens to the CallAbort (CALL_SIGNAL). */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }
}

/**
 * The request the interceptors see, a class for the reason CallContext is one. Its `url` and
 * `signal` are own enumerable accessors, shared by every instance, because interceptors pass on
 * copies (`{ ...request, header }`) and a spread copies only own properties.
 */
class InterceptedRequest {
  static readonly #lazyFields: PropertyDescriptorMap = {
    url: {
      get(this: InterceptedRequest): string {
        return this.#context.url;
      },
      enumerable: true,
    },
    signal: {
      get(this: InterceptedRequest): AbortSignal {
        return this.#context.signal;
      },
      enumerable: true,
    },
  };

  readonly service: DescService;
  readonly method: DescMethod;
  readonly requestMethod = "POST";
  readonly header: Headers;
  readonly contextValues: ContextValues;
  declare readonly url: string;
  declare readonly signal: AbortSignal;
  readonly #context: CallContext;

  constructor(
    readonly stream: boolean,
    context: CallContext,
    readonly message: unknown,
  ) {
    this.service = context.service;
    this.method = context.method;
    this.header = context.requestHeader;
    this.contextValues = context.values;
    this.#context = context;
    Object.defineProperties(this, InterceptedRequest.#lazyFields);
  }
}

/** The protocol of a binary, uncompressed call this path serves; undefined for any other request. */
function binaryProtocol(headers: http2.IncomingHttpHeaders, unary: boolean): Protocol | undefined {
  switch (headers["content-type"]) {
    case CONTENT_TYPE_CONNECT_UNARY:
      return unary && identity(headers["content-encoding"]) ? "connect" : undefined;
    case CONTENT_TYPE_CONNECT_STREAM:
      return !unary && identity(headers["connect-content-encoding"]) ? "connect" : undefined;
    case "application/grpc":
    case CONTENT_TYPE_GRPC:
      return identity(headers["grpc-encoding"]) ? "grpc" : undefined;
    default:
      return undefined;
  }
}

function identity(encoding: string | string[] | undefined): boolean {
  return encoding === undefined || encoding === "identity";
}

/** One call on the binary path, from reading its request to its last byte. */
class BinaryCall {
  readonly #options: BinaryRpcOptions;
  readonly #running: Set<CallAbort>;
  readonly #method: DescMethod;
  readonly #impl: MethodImpl;
  readonly #input: BinaryDecoder<unknown>;
  readonly #output: BinaryEncoder<unknown>;
  readonly #protocol: Protocol;
  readonly #stream: http2.ServerHttp2Stream;
  readonly #headers: http2.IncomingHttpHeaders;
  /** StartedCall.responseHeaders. */
  readonly #stamped: http2.OutgoingHttpHeaders;
  readonly #abort = new CallAbort();
  readonly #context: CallContext;
  #deadline: NodeJS.Timeout | undefined;
  #responseEnded = false;

  constructor(
    options: BinaryRpcOptions,
    running: Set<CallAbort>,
    route: BinaryRoute,
    stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
  ) {
    const { method, protocol, timeoutMs } = route;
    this.#options = options;
    this.#running = running;
    this.#method = method.method;
    this.#impl = method.impl;
    this.#input = method.input;
    this.#output = method.output;
    this.#protocol = protocol;
    this.#stream = stream;
    this.#headers = headers;
    const unary = method.method.methodKind === "unary";
    const deadlineAtMs = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    const abort = this.#abort;
    const started = options.startCall(stream, headers, abort);
    this.#stamped = started.responseHeaders;
    this.#context = new CallContext(method.method, protocol, stream, headers, abort, deadlineAtMs, {
      requestHeader: PlainHeaders.fromRequest(headers),
      responseHeader: new PlainHeaders([
        ["content-type", protocol === "grpc" ? CONTENT_TYPE_GRPC : unary ? CONTENT_TYPE_CONNECT_UNARY : CONTENT_TYPE_CONNECT_STREAM],
      ]),
      responseTrailer: protocol === "grpc" ? new PlainHeaders([["grpc-status", "0"]]) : new PlainHeaders(),
      values: started.values,
    });
    running.add(abort);
    if (options.shutdownSignal?.aborted === true) abort.abort(options.shutdownSignal.reason);
    if (timeoutMs !== undefined) {
      const expire = (): void => abort.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded));
      if (timeoutMs <= 0) expire();
      else this.#deadline = setTimeout(expire, timeoutMs);
    }
    abortWhenStreamCloses(stream, () => this.#responseEnded, abort);
    // A client's reset with an error code is an 'error' on the stream; the call learns of it from
    // 'close' and its failed writes. Unheard, the error would be thrown out of the process, and a
    // stream can be handed over already destroyed with its error still to come (Node announces a
    // stream a tick after its HEADERS, and the RST_STREAM may arrive in the same read).
    stream.on("error", ignore);
  }

  async run(): Promise<void> {
    try {
      if (this.#method.methodKind === "unary") await this.#runUnary();
      else await this.#runServerStream();
    } finally {
      // Not aborted on success (as Connect's handler does): an abort without a reason builds a
      // DOMException, and the implementations let go of the signal once their call is over.
      clearTimeout(this.#deadline);
      this.#running.delete(this.#abort);
    }
  }

  async #runUnary(): Promise<void> {
    let message: unknown;
    let header = this.#context.responseHeader;
    let trailer = this.#context.responseTrailer;
    try {
      const request = await this.#readRequest();
      const response = (await this.#invoke(false, request)) as UnaryResponse;
      ({ header, trailer } = response);
      message = normalize(this.#method.output, response.message);
    } catch (error) {
      return this.#fail(asConnectError(error), header, trailer);
    }
    if (this.#protocol === "grpc") {
      if (!this.#respond(200, nodeHeaders(header))) return;
      this.#stream.write(this.#enveloped(message));
      this.#endGrpc(trailer, undefined);
      return;
    }
    const bytes = this.#output.encode(message);
    const headers = nodeHeaders(header);
    addMuxedTrailers(headers, trailer);
    headers["content-length"] = bytes.byteLength;
    if (this.#respond(200, headers)) this.#end(bytes);
  }

  async #runServerStream(): Promise<void> {
    let response: StreamResponse;
    try {
      const request = await this.#readRequest();
      response = (await this.#invoke(true, request)) as StreamResponse;
    } catch (error) {
      return this.#endStream(this.#context.responseHeader, this.#context.responseTrailer, asConnectError(error));
    }
    const messages = response.message[Symbol.asyncIterator]();
    const stream = this.#stream;
    let ended: ConnectError | undefined;
    try {
      for (let next = await messages.next(); next.done !== true; next = await messages.next()) {
        if (!stream.headersSent) this.#respond(200, nodeHeaders(response.header));
        const drained = write(stream, this.#enveloped(normalize(this.#method.output, next.value)));
        if (drained !== undefined) {
          try {
            await drained;
          } catch (error) {
            // The implementation hears of the failed write as its caller's cancellation and stops.
            const left = callerLeft(error);
            this.#abort.abort(left);
            await messages.throw?.(left).catch(ignore);
            return;
          }
        }
      }
    } catch (error) {
      ended = asConnectError(error);
      // A failed write of the headers leaves the implementation's stream open; let it go.
      messages.return?.().catch(ignore);
    }
    this.#endStream(response.header, response.trailer, ended);
  }

  /**
   * The interceptors, then the implementation, as Connect's handler chains them. Requests and
   * responses are whole literals: on Node 20 a spread with properties after it costs microseconds.
   */
  #invoke(stream: boolean, message: unknown): Promise<UnaryResponse | StreamResponse> {
    const context = this.#context;
    const method = this.#method;
    const impl = this.#impl;
    const implementation = async (req: UnaryRequest | StreamRequest): Promise<UnaryResponse | StreamResponse> => {
      // An interceptor that passed on a request of its own may have changed what the context holds.
      const handlerContext: HandlerContext =
        req === request ? context : { ...context, url: context.url, requestHeader: req.header, signal: req.signal, values: req.contextValues };
      const service = method.parent;
      const header = context.responseHeader;
      const trailer = context.responseTrailer;
      if (!req.stream) {
        const output = await impl(req.message, handlerContext);
        return { stream: false, service, method, header, trailer, message: output } as UnaryResponse;
      }
      const input = await onlyMessage(req.message);
      return { stream: true, service, method, header, trailer, message: impl(input, handlerContext) } as StreamResponse;
    };
    let next = implementation;
    const { interceptors } = this.#options;
    for (let i = interceptors.length - 1; i >= 0; i--) next = interceptors[i]!(next);
    const request = new InterceptedRequest(stream, context, stream ? single(message) : message) as UnaryRequest | StreamRequest;
    return next(request);
  }

  /** The request message: the whole body (Connect unary), or the one enveloped message it holds. */
  async #readRequest(): Promise<unknown> {
    const readMaxBytes = this.#options.readMaxBytes;
    const unary = this.#protocol === "connect" && this.#method.methodKind === "unary";
    let body: Buffer;
    try {
      body = await readStreamBody(this.#stream, this.#headers, unary ? readMaxBytes : readMaxBytes + ENVELOPE_HEADER_BYTES);
    } catch (error) {
      if (error instanceof RequestBodyError && error.failure === "too_large") {
        throw new ConnectError(`message size is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted);
      }
      throw new ConnectError("The caller went away before sending its request.", Code.Canceled, undefined, undefined, error);
    }
    const bytes = unary ? body : onlyEnvelopedMessage(body, readMaxBytes, this.#method.methodKind);
    try {
      return this.#input.decode(bytes);
    } catch (error) {
      throw new ConnectError(`parse binary: ${error instanceof Error ? error.message : String(error)}`, Code.Internal);
    }
  }

  /** A response message in an envelope, encoded straight after the envelope's header. */
  #enveloped(message: unknown): Uint8Array {
    const bytes = this.#output.encode(message, ENVELOPE_HEADER_BYTES);
    const size = bytes.byteLength - ENVELOPE_HEADER_BYTES;
    bytes[1] = size >>> 24;
    bytes[2] = (size >>> 16) & 0xff;
    bytes[3] = (size >>> 8) & 0xff;
    bytes[4] = size & 0xff;
    return bytes;
  }

  /**
   * Sends the response's head, with the call's stamped headers where the implementation set none
   * of the same name. Returns false, sending nothing, once the client has gone: Node's
   * compatibility response ignores a head written then, where the stream would throw. gRPC's
   * responses end with trailers, so Node is told to wait for them.
   */
  #respond(status: number, headers: http2.OutgoingHttpHeaders): boolean {
    const stream = this.#stream;
    if (stream.destroyed || stream.closed) return false;
    const stamped = this.#stamped;
    for (const name in stamped) headers[name] ??= stamped[name];
    headers[":status"] = status;
    stream.respond(headers, { waitForTrailers: this.#protocol === "grpc" });
    return true;
  }

  /** A unary call's error: Connect's JSON error body with its HTTP status, or gRPC's trailers. */
  #fail(error: ConnectError, header: Headers, trailer: Headers): void {
    if (this.#protocol === "grpc") {
      if (this.#respond(200, nodeHeaders(header))) this.#endGrpc(trailer, error);
      return;
    }
    header.set("content-type", "application/json");
    error.metadata.forEach((value, name) => header.set(name, value));
    const body = errorToJsonBytes(error, {});
    const headers = nodeHeaders(header);
    addMuxedTrailers(headers, trailer);
    headers["content-length"] = body.byteLength;
    if (this.#respond(codeToHttpStatus(error.code), headers)) this.#end(body);
  }

  /** A stream's end: Connect's end-of-stream message, or gRPC's trailers; with the error, if any. */
  #endStream(header: Headers, trailer: Headers, error: ConnectError | undefined): void {
    const stream = this.#stream;
    if (stream.destroyed) return;
    if (!stream.headersSent && !this.#respond(200, nodeHeaders(header))) return;
    if (this.#protocol === "grpc") {
      this.#endGrpc(trailer, error);
      return;
    }
    const json = JSON.stringify(endStreamToJson(trailer, error, {}));
    this.#end(endStreamEnvelope(json));
  }

  /** Ends a gRPC response whose head is sent: Node asks for the trailers once the last data is out. */
  #endGrpc(trailer: Headers, error: ConnectError | undefined): void {
    if (error !== undefined) setTrailerStatus(trailer, error);
    const trailers = nodeHeaders(trailer);
    const stream = this.#stream;
    stream.once("wantTrailers", () => stream.sendTrailers(trailers));
    this.#end();
  }

  /**
   * Ends a response whose head is sent. A Connect answer ends on the DATA frame that carries its
   * last bytes, in the same socket write as its head: ended on an empty frame of its own, the end
   * would wait until Node heard that the data was written, a second write and a second wake-up of
   * the client per call. The stream then closes before Node hears that the write is done; Node
   * would build an ERR_STREAM_DESTROYED for that had readStreamBody not left the stream's readable
   * side open.
   */
  #end(chunk?: Uint8Array): void {
    this.#responseEnded = true;
    this.#stream.end(chunk);
  }
}

/** What Connect answers for anything thrown that is not a ConnectError. */
function asConnectError(error: unknown): ConnectError {
  return error instanceof ConnectError ? error : new ConnectError("internal error", Code.Internal, undefined, undefined, error);
}

/** An implementation may return a message's init shape, as Connect allows. */
function normalize(schema: DescMessage, value: unknown): unknown {
  return isMessage(value, schema) ? value : create(schema, value as never);
}

/** Connect's unary protocol sends trailers as headers prefixed `trailer-`. */
function addMuxedTrailers(headers: Record<string, unknown>, trailer: Headers): void {
  trailer.forEach((value, name) => {
    headers[`trailer-${name}`] = value;
  });
}

/** Connect's end-of-stream message, in its envelope. */
function endStreamEnvelope(json: string): Buffer {
  const size = Buffer.byteLength(json);
  const bytes = Buffer.allocUnsafe(ENVELOPE_HEADER_BYTES + size);
  bytes[0] = FLAG_END_STREAM;
  bytes.writeUInt32BE(size, 1);
  bytes.write(json, ENVELOPE_HEADER_BYTES);
  return bytes;
}

/** The one message of an enveloped request body, with Connect's errors for anything else. */
function onlyEnvelopedMessage(body: Buffer, readMaxBytes: number, kind: string): Uint8Array {
  const label = kind === "unary" ? "unary" : "server-streaming";
  if (body.byteLength === 0) throw new ConnectError(`protocol error: missing input message for ${label} method`, Code.Unimplemented);
  if (body.byteLength < ENVELOPE_HEADER_BYTES) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  const flags = body[0]!;
  const size = body.readUInt32BE(1);
  if ((flags & FLAG_COMPRESSED) !== 0) {
    throw new ConnectError("received compressed envelope, but do not know how to decompress", Code.Internal);
  }
  if (flags !== 0) throw new ConnectError(`protocol error: unexpected envelope flags ${flags}`, Code.InvalidArgument);
  if (size > readMaxBytes) {
    throw new ConnectError(`message size ${size} is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted);
  }
  const end = ENVELOPE_HEADER_BYTES + size;
  if (body.byteLength < end) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  if (body.byteLength > end) throw new ConnectError(`protocol error: received extra input message for ${label} method`, Code.Unimplemented);
  return body.subarray(ENVELOPE_HEADER_BYTES, end);
}

/**
 * A server-streaming implementation's input, as the request stream interceptors see; it lets go of
 * the message once read, so a long stream does not keep its request (and prompt) alive.
 */
function single<T>(message: T): AsyncIterable<T> {
  let unread: { readonly value: T } | undefined = { value: message };
  return {
    [Symbol.asyncIterator]: () => ({
      next: (): Promise<IteratorResult<T>> => {
        const read = unread;
        unread = undefined;
        return Promise.resolve(read === undefined ? { done: true, value: undefined } : { done: false, value: read.value });
      },
    }),
  };
}

async function onlyMessage<T>(messages: AsyncIterable<T>): Promise<T> {
  const iterator = messages[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done === true) throw new ConnectError("protocol error: missing input message for server-streaming method", Code.Unimplemented);
  const second = await iterator.next();
  if (second.done !== true) throw new ConnectError("protocol error: received extra input message for server-streaming method", Code.Unimplemented);
  return first.value;
}
