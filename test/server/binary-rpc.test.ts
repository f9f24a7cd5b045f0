import { create, toBinary } from "@bufbuild/protobuf";
import { StructSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createContextValues, type ConnectRouter, type HandlerContext, type Interceptor, type ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { once } from "node:events";
import * as http2 from "node:http2";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ChatService,
  CreateChatCompletionRequestSchema,
  StreamChatCompletionRequestSchema,
  type CreateChatCompletionRequest,
  type StreamChatCompletionRequest,
} from "../../gen/tensorwall/v1/chat_pb.js";
import { encodeHeaderBlock } from "../../bench/lib/hpack.js";
import { CallAbort, toAbortSignal, type CancelSignal } from "../../src/cancel/index.js";
import { BinaryRpc, type BinaryRpcProtocols } from "../../src/server/binary-rpc.js";

/**
 * The binary path against connect-node's own handler: the same service and interceptor behind
 * both, the same raw HTTP/2 requests to each, and every answer compared byte for byte (status,
 * headers, body, trailers). The binary path's server answers 599 for a request it would not serve.
 */

const READ_MAX_BYTES = 1000;
const NOT_SERVED = 599;
/** Three times HTTP/2's initial flow-control window: the answer waits for the client's window updates. */
const BIG_CONTENT = "x".repeat(3 * 65_535);

/** What a stub method does, chosen by the request's model. */
async function behave(model: string, ctx: HandlerContext): Promise<void> {
  ctx.responseHeader.set("x-stub", "header");
  ctx.responseTrailer.set("x-stub-trailer", "trailer");
  if (model === "fail") {
    throw new ConnectError("refused", Code.ResourceExhausted, { "x-error-detail": "limit" }, [
      { desc: StructSchema, value: create(StructSchema, { fields: { limit: { kind: { case: "numberValue", value: 60 } } } }) },
    ]);
  }
  if (model === "crash") throw new Error("not a ConnectError");
  if (model === "describe") {
    // The port differs between the two servers; the rest of the URL must not.
    const url = new URL(ctx.url);
    const seen = {
      url: `${url.protocol}${url.pathname}`,
      requestMethod: ctx.requestMethod,
      protocolName: ctx.protocolName,
      service: ctx.service.typeName,
      method: ctx.method.name,
      aborted: ctx.signal.aborted,
      timeout: ctx.timeoutMs() !== undefined,
      probe: ctx.requestHeader.get("x-probe"),
    };
    ctx.responseHeader.set("x-context", JSON.stringify(seen));
  }
  if (model === "slow") {
    await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
    throw ctx.signal.reason;
  }
}

const chatStub: Partial<ServiceImpl<typeof ChatService>> = {
  async createChatCompletion(request: CreateChatCompletionRequest, ctx) {
    await behave(request.model, ctx);
    // An init shape, not a message: both paths must make it one.
    const content = request.model === "big" ? BIG_CONTENT : "héllo ✓";
    return { id: "chatcmpl-1", created: 1_700_000_000n, model: request.model, choices: [{ index: 0, message: { content }, finishReason: "stop" }] };
  },
  async *streamChatCompletion(wrapper: StreamChatCompletionRequest, ctx) {
    const model = wrapper.request?.model ?? "";
    if (model === "fail-first") await behave("fail", ctx);
    if (model === "describe") await behave("describe", ctx);
    ctx.responseHeader.set("x-stub", "stream");
    for (let index = 0; index < 3; index++) {
      if (index === 2 && model === "fail-mid") throw new ConnectError("cut off", Code.Unavailable, { "x-error-detail": "mid" });
      if (index === 2 && model === "crash-mid") throw new Error("not a ConnectError");
      yield { id: `chunk-${index}`, model, choices: [{ index: 0, delta: { content: `part ${index}` } }] };
    }
    ctx.responseTrailer.set("x-stub-trailer", "done");
  },
};

const addHeader: Interceptor = (next) => async (request) => {
  const response = await next(request);
  response.header.set("x-intercepted", request.stream ? "stream" : "unary");
  return response;
};

/** With `x-respread: 1`, passes on a copy of the request, as interceptors that change a request do. */
const respread: Interceptor = (next) => async (request) => {
  const passed = request.header.get("x-respread") === "1" ? { ...request } : request;
  const response = await next(passed);
  response.header.set("x-request-seen", `${new URL(passed.url).pathname} ${passed.requestMethod} ${String(passed.signal.aborted)}`);
  return response;
};

const routes = (router: ConnectRouter): void => {
  router.service(ChatService, chatStub);
};

interface Served {
  readonly url: string;
  close(): Promise<void>;
}

async function serve(handler: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void): Promise<Served> {
  return listen(http2.createServer(handler));
}

/** The binary path on the core API, as the gateway serves it: 599 for whatever it leaves to Connect's handlers. */
async function serveStreams(rpc: BinaryRpc): Promise<Served> {
  const server = http2.createServer();
  server.on("stream", (stream, headers) => {
    if (rpc.serve(stream, headers)) return;
    stream.respond({ ":status": NOT_SERVED });
    stream.end();
  });
  return listen(server);
}

async function listen(server: http2.Http2Server): Promise<Served> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let binary: Served;
let binaryWithoutGrpc: Served;
let reference: Served;
const unexpected: unknown[] = [];

/** The binary path alone. */
async function serveBinary(protocols: BinaryRpcProtocols): Promise<Served> {
  const rpc = new BinaryRpc({
    protocols,
    interceptors: [addHeader, respread],
    readMaxBytes: READ_MAX_BYTES,
    startCall: () => ({ values: createContextValues(), responseHeaders: {} }),
    onUnexpectedError: (error) => unexpected.push(error),
  });
  rpc.addService(ChatService, chatStub);
  return serveStreams(rpc);
}

/** The binary path with the stub service, no interceptors and both protocols, for a test's own server. */
function plainBinaryRpc(): BinaryRpc {
  const rpc = new BinaryRpc({
    protocols: { connect: true, grpc: true },
    interceptors: [],
    readMaxBytes: READ_MAX_BYTES,
    startCall: () => ({ values: createContextValues(), responseHeaders: {} }),
    onUnexpectedError: (error) => unexpected.push(error),
  });
  rpc.addService(ChatService, chatStub);
  return rpc;
}

beforeAll(async () => {
  binary = await serveBinary({ connect: true, grpc: true });
  binaryWithoutGrpc = await serveBinary({ connect: true, grpc: false });
  reference = await serve(connectNodeAdapter({ routes, interceptors: [addHeader, respread], readMaxBytes: READ_MAX_BYTES }) as never);
});

afterAll(async () => {
  await Promise.all([binary.close(), binaryWithoutGrpc.close(), reference.close()]);
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  readonly body: string;
  readonly trailers: Record<string, unknown>;
}

/**
 * One call; with `frames` over 1, the body goes in that many DATA frames a few milliseconds apart, so
 * that the server reads them apart, then an empty one that ends the stream. With none, the request's
 * HEADERS end the stream, and the body must be empty.
 */
function call(url: string, path: string, headers: http2.OutgoingHttpHeaders, body: Uint8Array, frames = 1): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on("error", reject);
    const stream = session.request({ ":method": "POST", ":path": path, ...headers }, { endStream: frames === 0 });
    let status = 0;
    let responseHeaders: Record<string, unknown> = {};
    let trailers: Record<string, unknown> = {};
    const pieces: Buffer[] = [];
    stream.on("response", (received) => {
      status = Number(received[":status"]);
      responseHeaders = withoutVolatile(received);
    });
    stream.on("trailers", (received) => (trailers = withoutVolatile(received)));
    stream.on("data", (piece: Buffer) => pieces.push(piece));
    stream.on("end", () => {
      session.close();
      resolve({ status, headers: responseHeaders, body: Buffer.concat(pieces).toString("base64"), trailers });
    });
    stream.on("error", reject);
    if (frames === 0) {
      if (body.length > 0) reject(new Error("a request that ends with its HEADERS has no body"));
    } else if (frames === 1) stream.end(body);
    else sendInFrames(stream, body, frames).catch(reject);
  });
}

async function sendInFrames(stream: http2.ClientHttp2Stream, body: Uint8Array, frames: number): Promise<void> {
  const size = Math.ceil(body.length / frames);
  for (let start = 0; start < body.length; start += size) {
    await new Promise<void>((resolve, reject) => stream.write(body.subarray(start, start + size), (error) => (error ? reject(error) : resolve())));
    await new Promise((resolve) => setTimeout(resolve, 3));
  }
  stream.end();
}

function withoutVolatile(headers: http2.IncomingHttpHeaders): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) if (name !== "date" && !name.startsWith(":")) kept[name] = value;
  return kept;
}

function enveloped(message: Uint8Array, flags = 0): Buffer {
  const bytes = Buffer.alloc(5 + message.length);
  bytes[0] = flags;
  bytes.writeUInt32BE(message.length, 1);
  bytes.set(message, 5);
  return bytes;
}

const unaryRequest = (model: string): Uint8Array => toBinary(CreateChatCompletionRequestSchema, create(CreateChatCompletionRequestSchema, { model }));
const streamRequest = (model: string): Uint8Array =>
  toBinary(StreamChatCompletionRequestSchema, create(StreamChatCompletionRequestSchema, { request: { model } }));

const UNARY = "/tensorwall.v1.ChatService/CreateChatCompletion";
const STREAM = "/tensorwall.v1.ChatService/StreamChatCompletion";
const connectUnary = { "content-type": "application/proto", "connect-protocol-version": "1" };
const connectStream = { "content-type": "application/connect+proto", "connect-protocol-version": "1" };
const grpc = { "content-type": "application/grpc", te: "trailers" };

const cases: [name: string, path: string, headers: http2.OutgoingHttpHeaders, body: Uint8Array][] = [
  ["Connect unary", UNARY, connectUnary, unaryRequest("ok")],
  ["Connect unary, an error with metadata and details", UNARY, connectUnary, unaryRequest("fail")],
  ["Connect unary, a thrown non-Connect error", UNARY, connectUnary, unaryRequest("crash")],
  ["Connect unary, a deadline that passes", UNARY, { ...connectUnary, "connect-timeout-ms": "30" }, unaryRequest("slow")],
  ["Connect unary, a message larger than readMaxBytes", UNARY, connectUnary, unaryRequest("x".repeat(READ_MAX_BYTES + 1))],
  ["Connect unary, bytes that are no message", UNARY, connectUnary, Buffer.from([0xff, 0xff, 0xff])],
  ["Connect unary, an answer larger than the flow-control window", UNARY, connectUnary, unaryRequest("big")],
  ["gRPC unary, an answer larger than the flow-control window", UNARY, grpc, enveloped(unaryRequest("big"))],
  ["gRPC unary", UNARY, grpc, enveloped(unaryRequest("ok"))],
  ["gRPC unary as application/grpc+proto", UNARY, { ...grpc, "content-type": "application/grpc+proto" }, enveloped(unaryRequest("ok"))],
  ["gRPC unary, an error with metadata and details", UNARY, grpc, enveloped(unaryRequest("fail"))],
  ["gRPC unary, a deadline that passes", UNARY, { ...grpc, "grpc-timeout": "30m" }, enveloped(unaryRequest("slow"))],
  ["gRPC unary, no message", UNARY, grpc, new Uint8Array()],
  ["gRPC unary, a compressed envelope without an encoding", UNARY, grpc, enveloped(unaryRequest("ok"), 1)],
  ["Connect unary, the context the handler sees", UNARY, { ...connectUnary, "x-probe": "p" }, unaryRequest("describe")],
  ["Connect unary, the context after an interceptor passed on a copy of the request", UNARY, { ...connectUnary, "x-respread": "1", "connect-timeout-ms": "5000" }, unaryRequest("describe")],
  ["gRPC unary, the context the handler sees", UNARY, { ...grpc, "grpc-timeout": "5S" }, enveloped(unaryRequest("describe"))],
  ["Connect stream", STREAM, connectStream, enveloped(streamRequest("ok"))],
  ["Connect stream, the context after an interceptor passed on a copy of the request", STREAM, { ...connectStream, "x-respread": "1" }, enveloped(streamRequest("describe"))],
  ["Connect stream, an error after two messages", STREAM, connectStream, enveloped(streamRequest("fail-mid"))],
  ["Connect stream, a thrown non-Connect error after two messages", STREAM, connectStream, enveloped(streamRequest("crash-mid"))],
  ["Connect stream, an error before the first message", STREAM, connectStream, enveloped(streamRequest("fail-first"))],
  ["gRPC stream", STREAM, grpc, enveloped(streamRequest("ok"))],
  ["gRPC stream, an error after two messages", STREAM, grpc, enveloped(streamRequest("fail-mid"))],
  ["gRPC stream, an error before the first message", STREAM, grpc, enveloped(streamRequest("fail-first"))],
];

describe("the binary RPC path answers as Connect's own handler does", () => {
  it.each(cases)("%s", async (_name, path, headers, body) => {
    const [fromBinary, fromReference] = await Promise.all([call(binary.url, path, headers, body), call(reference.url, path, headers, body)]);
    expect(fromBinary.status).not.toBe(NOT_SERVED);
    expect(fromBinary).toEqual(fromReference);
  });

  it("reports no unexpected errors for any of them", () => {
    expect(unexpected).toEqual([]);
  });
});

/** The frames of stream 1's answer, as "TYPE" or "TYPE end", DATA with its length: what node:http2's client does not tell. */
async function answerFrames(url: string, path: string, headers: Record<string, string>, body: Uint8Array): Promise<string[]> {
  const { hostname, port, host } = new URL(url);
  const socket = net.connect({ host: hostname, port: Number(port) });
  await once(socket, "connect");
  const frame = (type: number, flags: number, streamId: number, payload: Buffer): Buffer => {
    const head = Buffer.alloc(9);
    head.writeUIntBE(payload.length, 0, 3);
    head[3] = type;
    head[4] = flags;
    head.writeUInt32BE(streamId, 5);
    return Buffer.concat([head, payload]);
  };
  const fields: [string, string][] = [[":method", "POST"], [":scheme", "http"], [":authority", host], [":path", path], ...Object.entries(headers)];
  socket.write(
    Buffer.concat([
      Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1"),
      frame(FRAME.SETTINGS, 0, 0, Buffer.alloc(0)),
      frame(FRAME.HEADERS, END_HEADERS, 1, encodeHeaderBlock(fields)),
      frame(FRAME.DATA, END_STREAM, 1, Buffer.from(body)),
    ]),
  );
  const seen: string[] = [];
  let pending = Buffer.alloc(0);
  try {
    for await (const chunk of socket as AsyncIterable<Buffer>) {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 9 && pending.length >= 9 + pending.readUIntBE(0, 3)) {
        const length = pending.readUIntBE(0, 3);
        const [type, flags] = [pending[3]!, pending[4]!];
        const streamId = pending.readUInt32BE(5) & 0x7fffffff;
        if (type === FRAME.SETTINGS && (flags & ACK) === 0) socket.write(frame(FRAME.SETTINGS, ACK, 0, Buffer.alloc(0)));
        pending = pending.subarray(9 + length);
        if (streamId !== 1) continue;
        const name = type === FRAME.DATA ? `DATA ${length}` : type === FRAME.HEADERS ? "HEADERS" : `type ${type}`;
        seen.push((flags & END_STREAM) === 0 ? name : `${name} end`);
        if ((flags & END_STREAM) !== 0) return seen;
      }
    }
    throw new Error(`the connection closed after ${seen.join(", ")}`);
  } finally {
    socket.destroy();
  }
}

const FRAME = { DATA: 0x0, HEADERS: 0x1, SETTINGS: 0x4 } as const;
const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;

describe("how an answer ends", () => {
  // connect-node's answers end on an empty DATA frame of their own, which Node sends only once it
  // has heard that the last data was written: a second write to the socket, and a second wake-up
  // for the client. A Connect answer here ends on the frame that carries its last data.
  it.each([
    ["Connect unary", UNARY, connectUnary, unaryRequest("ok")],
    ["Connect unary, an error", UNARY, connectUnary, unaryRequest("fail")],
    ["Connect stream", STREAM, connectStream, enveloped(streamRequest("ok"))],
  ] as const)("%s: the stream ends on the frame that carries its last data", async (_name, path, headers, body) => {
    const [fromBinary, fromReference] = await Promise.all([answerFrames(binary.url, path, headers, body), answerFrames(reference.url, path, headers, body)]);
    const lastData = fromReference.at(-2)!;
    expect(lastData).toMatch(/^DATA [1-9]\d*$/);
    expect(fromReference.at(-1)).toBe("DATA 0 end");
    expect(fromBinary).toEqual([...fromReference.slice(0, -2), `${lastData} end`]);
  });

  it("gRPC unary: the stream ends on its trailers, after its last data, as connect-node's", async () => {
    const body = enveloped(unaryRequest("ok"));
    const [fromBinary, fromReference] = await Promise.all([answerFrames(binary.url, UNARY, grpc, body), answerFrames(reference.url, UNARY, grpc, body)]);
    expect(fromBinary).toEqual(fromReference);
    expect(fromBinary.at(-1)).toBe("HEADERS end");
  });
});

describe("what the binary path leaves to Connect's handlers", () => {
  it.each([
    ["JSON", UNARY, { "content-type": "application/json" }],
    ["a compressed Connect request", UNARY, { ...connectUnary, "content-encoding": "gzip" }],
    ["a compressed gRPC request", UNARY, { ...grpc, "grpc-encoding": "gzip" }],
    ["gRPC-Web", UNARY, { "content-type": "application/grpc-web+proto" }],
    ["a malformed gRPC timeout", UNARY, { ...grpc, "grpc-timeout": "soon" }],
    ["the unary content type on a streaming method", STREAM, connectUnary],
    ["an unknown method", "/tensorwall.v1.ChatService/Nope", connectUnary],
    ["a method the service does not implement", "/tensorwall.v1.ChatService/ListModels", connectUnary],
    ["a request that expects 100 Continue", UNARY, { ...connectUnary, expect: "100-continue" }],
  ] as const)("%s", async (_name, path, headers) => {
    const answer = await call(binary.url, path, headers, new Uint8Array());
    expect(answer.status).toBe(NOT_SERVED);
  });
});

describe("a protocol the router does not serve", () => {
  it("is left to Connect's handlers, while the others are still served", async () => {
    const [grpcAnswer, connectAnswer] = await Promise.all([
      call(binaryWithoutGrpc.url, UNARY, grpc, enveloped(unaryRequest("ok"))),
      call(binaryWithoutGrpc.url, UNARY, connectUnary, unaryRequest("ok")),
    ]);
    expect(grpcAnswer.status).toBe(NOT_SERVED);
    expect(connectAnswer.status).toBe(200);
  });
});

describe("a request whose HEADERS end the stream", () => {
  it("Connect unary, an empty message: is answered as Connect's own handler answers it", async () => {
    const body = unaryRequest("");
    expect(body.length).toBe(0);
    const [fromBinary, fromReference] = await Promise.all([call(binary.url, UNARY, connectUnary, body, 0), call(reference.url, UNARY, connectUnary, body, 0)]);
    expect(fromBinary.status).toBe(200);
    expect(fromBinary).toEqual(fromReference);
  });
});

describe("a request body in several DATA frames, ended by an empty one", () => {
  it.each([
    ["Connect unary", UNARY, connectUnary, unaryRequest("ok".padEnd(300, "k"))],
    ["Connect unary, a message larger than readMaxBytes", UNARY, connectUnary, unaryRequest("x".repeat(3 * READ_MAX_BYTES))],
    ["gRPC unary", UNARY, grpc, enveloped(unaryRequest("ok".padEnd(300, "k")))],
    ["Connect stream", STREAM, connectStream, enveloped(streamRequest("ok".padEnd(300, "k")))],
  ] as const)("%s: is answered as Connect's own handler answers it in one frame", async (_name, path, headers, body) => {
    // The reference gets the body in one frame: sent the too-large body in frames, the connection
    // to connect-node's server was never closed here, and closing the server waited for it.
    const [fromBinary, fromReference] = await Promise.all([call(binary.url, path, headers, body, 7), call(reference.url, path, headers, body)]);
    expect(fromBinary.status).not.toBe(NOT_SERVED);
    expect(fromBinary).toEqual(fromReference);
    expect(unexpected).toEqual([]);
  });
});

describe("a stream whose answer ends on its last DATA frame", () => {
  // Destroyed before Node hears that the frame was written, the stream would make Node build an
  // ERR_STREAM_DESTROYED that nobody sees; see readStreamBody.
  it.each([
    ["Connect unary, in one DATA frame", UNARY, connectUnary, unaryRequest("ok"), 1, 200],
    ["Connect unary, in several DATA frames", UNARY, connectUnary, unaryRequest("ok".padEnd(300, "k")), 7, 200],
    ["Connect unary, an error", UNARY, connectUnary, unaryRequest("fail"), 1, 429],
    ["Connect unary, an empty message in no DATA frame", UNARY, connectUnary, unaryRequest(""), 0, 200],
    ["Connect stream", STREAM, connectStream, enveloped(streamRequest("ok")), 1, 200],
  ] as const)("%s: has finished writing when it closes", async (_name, path, headers, body, frames, status) => {
    const rpc = plainBinaryRpc();
    const server = http2.createServer();
    const finishedWhenClosed = new Promise<boolean>((resolve) => {
      server.on("stream", (stream, streamHeaders) => {
        rpc.serve(stream, streamHeaders);
        stream.once("close", () => resolve(stream.writableFinished));
      });
    });
    const { url, close } = await listen(server);
    try {
      const answer = await call(url, path, headers, body, frames);
      expect(answer.status).toBe(status);
      expect(await finishedWhenClosed).toBe(true);
    } finally {
      await close();
    }
  });
});

describe("a caller that resets its call", () => {
  const { NGHTTP2_PROTOCOL_ERROR, NGHTTP2_INTERNAL_ERROR, NGHTTP2_CANCEL } = http2.constants;
  const moments = ["part-way through its request", "with its request", "while it is answered"] as const;

  /** Opens a call, resets it with `code` at `moment`, and resolves once the client's stream has closed. */
  function resetCall(url: string, path: string, headers: http2.OutgoingHttpHeaders, body: Uint8Array, code: number, moment: (typeof moments)[number]): Promise<void> {
    return new Promise((resolve, reject) => {
      const session = http2.connect(url);
      session.on("error", reject);
      const stream = session.request({ ":method": "POST", ":path": path, ...headers });
      stream.on("error", () => {});
      stream.on("close", () => {
        session.close();
        resolve();
      });
      stream.resume();
      // "with its request": the reset tends to reach the server in the same read as the request.
      if (moment === "part-way through its request") stream.write(body.subarray(0, 3), () => stream.close(code));
      else if (moment === "with its request") stream.end(body, () => stream.close(code));
      else stream.end(body, () => setTimeout(() => stream.close(code), 20));
    });
  }

  it.each([
    ["Connect unary", UNARY, connectUnary, unaryRequest("slow")],
    ["gRPC unary", UNARY, grpc, enveloped(unaryRequest("slow"))],
    ["Connect stream", STREAM, connectStream, enveloped(streamRequest("ok"))],
  ] as const)("%s, with any error code and at any moment, leaves the server serving", async (_name, path, headers, body) => {
    for (const code of [NGHTTP2_PROTOCOL_ERROR, NGHTTP2_INTERNAL_ERROR, NGHTTP2_CANCEL]) {
      for (const moment of moments) await resetCall(binary.url, path, headers, body, code, moment);
    }
    // An 'error' on a stream nobody listens to would have been thrown by now, out of the server.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const answer = await call(binary.url, UNARY, connectUnary, unaryRequest("ok"));
    expect(answer.status).toBe(200);
    expect(unexpected).toEqual([]);
  });

  it("handed over already destroyed, its error still to be emitted, is let go without an unhandled error", async () => {
    // What Node does with a stream whose RST_STREAM it read together with its HEADERS: the
    // 'stream' event comes a tick later, by when the stream is destroyed and its error pending.
    const rpc = plainBinaryRpc();
    const server = http2.createServer();
    const served = new Promise<void>((resolve) => {
      server.on("stream", (stream, headers) => {
        stream.destroy(new Error("reset by the client"));
        rpc.serve(stream, headers);
        resolve();
      });
    });
    const { url, close } = await listen(server);
    const session = http2.connect(url);
    session.on("error", () => {});
    try {
      const stream = session.request({ ":method": "POST", ":path": UNARY, ...connectUnary });
      stream.on("error", () => {});
      stream.end(unaryRequest("ok"));
      await served;
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unexpected).toEqual([]);
    } finally {
      session.destroy();
      await close();
    }
  });
});

describe("a call's own signal", () => {
  it("is handed to contextValues as a CallAbort, which the implementation's signal follows, and not aborted when the call succeeds", async () => {
    const seen: { abort?: CancelSignal | undefined; signal?: AbortSignal } = {};
    const rpc = new BinaryRpc({
      protocols: { connect: true, grpc: true },
      interceptors: [],
      readMaxBytes: READ_MAX_BYTES,
      startCall: (_stream, _headers, signal) => {
        seen.abort = signal;
        return { values: createContextValues(), responseHeaders: {} };
      },
      onUnexpectedError: (error) => unexpected.push(error),
    });
    const impl: Partial<ServiceImpl<typeof ChatService>> = {
      async createChatCompletion(request: CreateChatCompletionRequest, ctx: HandlerContext) {
        seen.signal = ctx.signal;
        return { id: "chatcmpl-1", model: request.model };
      },
    };
    rpc.addService(ChatService, impl);
    const served = await serveStreams(rpc);
    try {
      const answer = await call(served.url, UNARY, connectUnary, unaryRequest("ok"));
      expect(answer.status).toBe(200);
      expect(seen.abort).toBeInstanceOf(CallAbort);
      expect(seen.signal).toBe(toAbortSignal(seen.abort!));
      expect(seen.abort!.aborted).toBe(false);
      expect(seen.signal!.aborted).toBe(false);
    } finally {
      await served.close();
    }
  });
});
