/**
 * ChatService calls with Connect's and gRPC's framing done by hand, over the bench's own HTTP/2
 * client (h2-wire-session.ts). The request message and its header block are encoded once, so a
 * call costs two frames out, the reading of its reply and little else. connect-node's own client,
 * built for applications (interceptors, header and signal plumbing per call, async iterables),
 * spends more CPU per call than the gateway does, and so did these same calls over node:http2's
 * client session; with load generator, fake Azure and gateway on the same cores, that cost would
 * be measured as much as the gateway's. Every reply is still checked: HTTP status, content type,
 * framing, the end of stream or gRPC status, how many messages arrived, and a completion's content.
 * Of a stream's messages the first and the last are checked: decoding all 200 would cost the client
 * about 2.7 ms a stream. A message is decoded unless it is byte for byte one already decoded and
 * checked (see skipKnown).
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { IncomingHttpHeaders, IncomingHttpStatusHeader } from "node:http2";
import {
  CreateChatCompletionRequestSchema,
  CreateChatCompletionResponseSchema,
  StreamChatCompletionRequestSchema,
  StreamChatCompletionResponseSchema,
} from "../../gen/tensorwall/v1/chat_pb.js";
import { EnvelopeReader, envelope } from "./envelope-reader.js";
import { COMPLETION_CONTENT, STREAM_EVENTS } from "./fast-fake-replies.js";
import type { H2WireSession } from "./h2-wire-session.js";
import { encodeHeaderBlock, type HeaderField } from "./hpack.js";
import { chatRequestMessage, type RpcProtocol } from "./rpc-clients.js";

/** One call, verified; resolves with the moment (`performance.now()`) the reply's first message arrived. */
export type RpcCall = () => Promise<number>;

/** Connect's flag for the last envelope of a stream, a JSON object that holds the error, if any. */
const CONNECT_END_STREAM = 0x02;

/** A CreateChatCompletion (or, with `stream`, a StreamChatCompletion) call on `session`, repeatable. */
export function leanRpcCall(session: H2WireSession, protocol: RpcProtocol, stream: boolean, key: string, model: string): RpcCall {
  const request = chatRequestMessage(model, stream);
  const message = stream
    ? toBinary(StreamChatCompletionRequestSchema, create(StreamChatCompletionRequestSchema, { request }))
    : toBinary(CreateChatCompletionRequestSchema, request);
  const headers: HeaderField[] = [
    [":method", "POST"],
    [":scheme", "http"],
    [":authority", session.authority],
    [":path", `/tensorwall.v1.ChatService/${stream ? "StreamChatCompletion" : "CreateChatCompletion"}`],
    ["authorization", `Bearer ${key}`],
  ];
  // A check of its own for the first and the last message: a stream's two differ, and one shared
  // would never see the same bytes twice in a row.
  const expected: ExpectedMessages = stream
    ? { count: STREAM_EVENTS, checkFirst: skipKnown(decodeChunk), checkLast: skipKnown(decodeChunk) }
    : { count: 1, checkFirst: skipKnown(checkCompletion), checkLast: skipKnown(checkCompletion) };
  if (protocol === "grpc") {
    const block = encodeHeaderBlock([...headers, ["content-type", "application/grpc"], ["te", "trailers"]]);
    const body = envelope(0, message);
    return () => exchange(session, block, body, new EnvelopedReply("grpc", expected));
  }
  if (stream) {
    const block = encodeHeaderBlock([...headers, ["content-type", "application/connect+proto"], ["connect-protocol-version", "1"]]);
    const body = envelope(0, message);
    return () => exchange(session, block, body, new EnvelopedReply("connect", expected));
  }
  const block = encodeHeaderBlock([...headers, ["content-type", "application/proto"], ["connect-protocol-version", "1"]]);
  const body = Buffer.from(message);
  return () => exchange(session, block, body, new ConnectUnaryReply(expected.checkFirst));
}

/** What a reply must carry: how many messages, and checks of the first and the last, which throw if it is wrong. */
interface ExpectedMessages {
  readonly count: number;
  readonly checkFirst: (message: Buffer) => void;
  readonly checkLast: (message: Buffer) => void;
}

/**
 * `check`, passed at once for a message byte for byte the same as the last one it passed. The fake
 * answers every call alike, so the gateway's replies repeat too; decoding each again with
 * protobuf-es (about 14 µs for a completion) would load the cores the gateway runs on with work
 * autocannon, which reads only the status, never does on the REST legs.
 */
function skipKnown(check: (message: Buffer) => void): (message: Buffer) => void {
  let passed: Buffer | undefined;
  return (message) => {
    if (passed !== undefined && message.equals(passed)) return;
    check(message);
    // A copy: the message may be a view into a chunk that is read again.
    passed = Buffer.from(message);
  };
}

function checkCompletion(message: Buffer): void {
  const response = fromBinary(CreateChatCompletionResponseSchema, message);
  if (response.choices[0]?.message?.content !== COMPLETION_CONTENT) throw new Error("unexpected response content");
}

function decodeChunk(message: Buffer): void {
  fromBinary(StreamChatCompletionResponseSchema, message);
}

/** One call's reply as it arrives; each step throws if what arrived is not a successful, well-formed reply. */
interface Reply {
  onHeaders(headers: IncomingHttpHeaders & IncomingHttpStatusHeader): void;
  onData(chunk: Buffer): void;
  /** The reply is complete: returns when its first message arrived. */
  onEnd(trailers: IncomingHttpHeaders | undefined): number;
}

function exchange(session: H2WireSession, headerBlock: Buffer, body: Buffer, reply: Reply): Promise<number> {
  return new Promise((resolve, reject) => {
    let head: IncomingHttpHeaders | undefined;
    let trailers: IncomingHttpHeaders | undefined;
    session.request(headerBlock, body, {
      onHeaders: (fields) => {
        if (head !== undefined) {
          trailers = headersOf(fields);
          return;
        }
        head = headersOf(fields);
        reply.onHeaders(head);
      },
      onData: (chunk) => reply.onData(chunk),
      onEnd: () => {
        if (head === undefined) throw new Error("the stream ended without a response");
        resolve(reply.onEnd(trailers));
      },
      onError: reject,
    });
  });
}

/** Header fields as node:http2 presents them: `:status` a number, a repeated field's values joined. */
function headersOf(fields: readonly HeaderField[]): IncomingHttpHeaders & IncomingHttpStatusHeader {
  const headers: IncomingHttpHeaders & IncomingHttpStatusHeader = {};
  for (const [name, value] of fields) {
    if (name === ":status") headers[":status"] = Number(value);
    else headers[name] = headers[name] === undefined ? value : `${String(headers[name])}, ${value}`;
  }
  return headers;
}

/** Connect unary: the bare message, or with any other status than 200, a JSON error. */
class ConnectUnaryReply implements Reply {
  readonly #check: (message: Buffer) => void;
  #status = 0;
  #contentType = "";
  readonly #chunks: Buffer[] = [];

  constructor(check: (message: Buffer) => void) {
    this.#check = check;
  }

  onHeaders(headers: IncomingHttpHeaders & IncomingHttpStatusHeader): void {
    this.#status = headers[":status"] ?? 0;
    this.#contentType = headers["content-type"] ?? "";
  }

  onData(chunk: Buffer): void {
    this.#chunks.push(chunk);
  }

  onEnd(): number {
    const body = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    if (this.#status !== 200) throw new Error(`HTTP ${this.#status}: ${body.toString("utf8", 0, 300)}`);
    if (this.#contentType !== "application/proto") throw new Error(`content-type ${this.#contentType}`);
    this.#check(body);
    return performance.now();
  }
}

/**
 * Connect streaming and gRPC: enveloped messages, ended by Connect's end-stream envelope or by
 * gRPC's status in the trailers (or, for a gRPC error before any message, in the headers).
 */
class EnvelopedReply implements Reply {
  readonly #protocol: RpcProtocol;
  readonly #expected: ExpectedMessages;
  readonly #reader = new EnvelopeReader((flags, message) => this.#onEnvelope(flags, message));
  #headers: IncomingHttpHeaders = {};
  #messages = 0;
  #firstMessageAt = 0;
  #lastMessage: Buffer | undefined;
  #endedStream = false;

  constructor(protocol: RpcProtocol, expected: ExpectedMessages) {
    this.#protocol = protocol;
    this.#expected = expected;
  }

  onHeaders(headers: IncomingHttpHeaders & IncomingHttpStatusHeader): void {
    this.#headers = headers;
    if (headers[":status"] !== 200) throw new Error(`HTTP ${headers[":status"]}`);
    const contentType = headers["content-type"] ?? "";
    const expected = this.#protocol === "grpc" ? /^application\/grpc(\+proto)?$/ : /^application\/connect\+proto$/;
    if (!expected.test(contentType)) throw new Error(`content-type ${contentType}`);
  }

  onData(chunk: Buffer): void {
    this.#reader.push(chunk);
  }

  onEnd(trailers: IncomingHttpHeaders | undefined): number {
    if (this.#reader.pendingBytes > 0) throw new Error(`body ended ${this.#reader.pendingBytes} bytes into an envelope`);
    if (this.#protocol === "grpc") {
      const status = trailers ?? this.#headers;
      if (status["grpc-status"] !== "0") {
        throw new Error(`gRPC status ${status["grpc-status"] ?? "missing"}: ${decodeURIComponent(String(status["grpc-message"] ?? ""))}`);
      }
    } else if (!this.#endedStream) {
      throw new Error("stream ended without Connect's end-stream message");
    }
    if (this.#messages !== this.#expected.count) throw new Error(`reply ended after ${this.#messages} of ${this.#expected.count} messages`);
    if (this.#lastMessage !== undefined) this.#expected.checkLast(this.#lastMessage);
    return this.#firstMessageAt;
  }

  #onEnvelope(flags: number, message: Buffer): void {
    if (this.#endedStream) throw new Error("an envelope after Connect's end-stream message");
    if (flags === 0) {
      if (this.#messages === 0) {
        this.#firstMessageAt = performance.now();
        this.#expected.checkFirst(message);
      } else {
        this.#lastMessage = message;
      }
      this.#messages += 1;
      return;
    }
    if (this.#protocol === "connect" && flags === CONNECT_END_STREAM) {
      const end = JSON.parse(message.toString()) as { error?: { code?: string; message?: string } };
      if (end.error !== undefined) throw new Error(`Connect error ${end.error.code}: ${end.error.message}`);
      this.#endedStream = true;
      return;
    }
    // No compression was offered, so none may come back.
    throw new Error(`envelope flags 0x${flags.toString(16)}`);
  }
}
