/**
 * A cleartext HTTP/2 client connection (RFC 9113) for the load generator, as autocannon is one for
 * HTTP/1.1: it writes prepared request bytes to a TCP socket and reads frames, and nothing else.
 * node:http2's client session costs about as much CPU per call as the gateway spends answering
 * it; with the load generator, fake Azure and gateway on the same two cores, that cost would be
 * measured as the gateway's. This one costs a fraction of that, and still honours what a server
 * may ask of a client: flow control both ways, its concurrent-stream limit and frame size, PINGs,
 * resets and GOAWAY.
 *
 * Not covered, as the bench never needs them: TLS, header blocks larger than one frame on the way
 * out, priorities, server push (refused in our SETTINGS) and trailers sent by the client.
 */
import { connect, type Socket } from "node:net";
import { HpackDecoder, type HeaderField } from "./hpack.js";

/** What the caller of one stream hears, in order: header blocks and data, then an end or an error. */
export interface H2StreamHandler {
  /** A header block: the response's head, then its trailers, if any. */
  onHeaders(fields: readonly HeaderField[]): void;
  onData(chunk: Buffer): void;
  onEnd(): void;
  /** The stream failed (reset, connection lost, or a handler call threw); nothing follows. */
  onError(error: Error): void;
}

const DATA = 0x0;
const HEADERS = 0x1;
const RST_STREAM = 0x3;
const SETTINGS = 0x4;
const PUSH_PROMISE = 0x5;
const PING = 0x6;
const GOAWAY = 0x7;
const WINDOW_UPDATE = 0x8;
const CONTINUATION = 0x9;

const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;

const SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
const SETTINGS_MAX_FRAME_SIZE = 0x5;
const SETTINGS_ENABLE_PUSH = 0x2;

const CANCEL = 0x8;
const FRAME_HEADER_BYTES = 9;
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
const DEFAULT_WINDOW = 65_535;
const MAX_WINDOW = 2 ** 31 - 1;
/** The frame size we accept, the protocol's default: we never announce a larger one. */
const MAX_INBOUND_FRAME = 16_384;
/** Received data is acknowledged to the server (a connection WINDOW_UPDATE) in steps this large. */
const WINDOW_TOP_UP = 2 ** 30;

interface OpenStream {
  readonly handler: H2StreamHandler;
  /** How much more the server lets this stream send. */
  sendWindow: number;
  /** Request body not yet sent for want of flow-control window. */
  unsent: Buffer | undefined;
}

interface PendingHeaderBlock {
  readonly streamId: number;
  readonly fragments: Buffer[];
  readonly endStream: boolean;
}

export class H2WireSession {
  readonly #socket: Socket;
  readonly #authority: string;
  readonly #decoder = new HpackDecoder();
  readonly #streams = new Map<number, OpenStream>();
  /** Requests waiting for the server's concurrent-stream limit to let them open. */
  readonly #waiting: (() => void)[] = [];
  #nextStreamId = 1;
  #outbound: Buffer[] = [];
  #flushScheduled = false;
  /** The start of a frame that has not fully arrived. */
  #partialFrame: Buffer | undefined;
  /** A header block whose CONTINUATION frames are still to come; no other frame may come between. */
  #headerBlock: PendingHeaderBlock | undefined;
  #connectionSendWindow = DEFAULT_WINDOW;
  #peerInitialWindow = DEFAULT_WINDOW;
  #peerMaxFrameSize = 16_384;
  #peerMaxStreams = Number.POSITIVE_INFINITY;
  #receivedSinceTopUp = 0;
  /** Once set, no new stream opens. */
  #failure: Error | undefined;

  private constructor(socket: Socket, authority: string) {
    this.#socket = socket;
    this.#authority = authority;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.#onBytes(chunk));
    socket.on("error", (error) => this.#fail(error));
    socket.on("close", () => this.#fail(new Error("the HTTP/2 connection closed")));
    const settings = Buffer.alloc(12);
    settings.writeUInt16BE(SETTINGS_ENABLE_PUSH, 0);
    settings.writeUInt32BE(0, 2);
    settings.writeUInt16BE(SETTINGS_INITIAL_WINDOW_SIZE, 6);
    settings.writeUInt32BE(MAX_WINDOW, 8);
    this.#outbound.push(PREFACE);
    this.#frame(SETTINGS, 0, 0, settings);
    this.#frame(WINDOW_UPDATE, 0, 0, uint32(MAX_WINDOW - DEFAULT_WINDOW));
  }

  /** Opens a connection to `baseUrl` (http://host:port). */
  static connect(baseUrl: string): Promise<H2WireSession> {
    const url = new URL(baseUrl);
    if (url.protocol !== "http:") throw new Error(`only cleartext HTTP/2 (http://), not ${url.protocol}`);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: url.hostname, port: Number(url.port || 80) });
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new H2WireSession(socket, url.host));
      });
    });
  }

  /** The `:authority` requests on this connection should carry. */
  get authority(): string {
    return this.#authority;
  }

  /**
   * Opens a stream with `headerBlock` (HPACK, see encodeHeaderBlock; it must fit in one frame) and
   * sends `body` as its data, ending the request. The handler hears the response.
   */
  request(headerBlock: Buffer, body: Buffer, handler: H2StreamHandler): void {
    if (this.#failure !== undefined) {
      const failure = this.#failure;
      queueMicrotask(() => handler.onError(failure));
      return;
    }
    if (this.#streams.size >= this.#peerMaxStreams) {
      this.#waiting.push(() => this.request(headerBlock, body, handler));
      return;
    }
    if (headerBlock.length > this.#peerMaxFrameSize) throw new Error("a header block larger than one frame");
    const streamId = this.#nextStreamId;
    this.#nextStreamId += 2;
    const stream: OpenStream = { handler, sendWindow: this.#peerInitialWindow, unsent: body.length > 0 ? body : undefined };
    this.#streams.set(streamId, stream);
    this.#frame(HEADERS, END_HEADERS | (body.length === 0 ? END_STREAM : 0), streamId, headerBlock);
    this.#sendBody(streamId, stream);
  }

  /** Ends the connection; streams still open fail. */
  close(): void {
    this.#fail(new Error("the HTTP/2 session was closed"));
  }

  #sendBody(streamId: number, stream: OpenStream): void {
    while (stream.unsent !== undefined) {
      const size = Math.min(stream.unsent.length, this.#connectionSendWindow, stream.sendWindow, this.#peerMaxFrameSize);
      if (size <= 0) return;
      const piece = stream.unsent.subarray(0, size);
      stream.unsent = size === stream.unsent.length ? undefined : stream.unsent.subarray(size);
      this.#connectionSendWindow -= size;
      stream.sendWindow -= size;
      this.#frame(DATA, stream.unsent === undefined ? END_STREAM : 0, streamId, piece);
    }
  }

  #frame(type: number, flags: number, streamId: number, payload: Buffer): void {
    const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
    header.writeUIntBE(payload.length, 0, 3);
    header[3] = type;
    header[4] = flags;
    header.writeUInt32BE(streamId, 5);
    this.#outbound.push(header, payload);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // Everything one turn of the event loop asks for goes out in one write.
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    const outbound = this.#outbound;
    this.#outbound = [];
    if (this.#socket.destroyed) return;
    this.#socket.write(outbound.length === 1 ? outbound[0]! : Buffer.concat(outbound));
  }

  #onBytes(chunk: Buffer): void {
    const bytes = this.#partialFrame === undefined ? chunk : Buffer.concat([this.#partialFrame, chunk]);
    let offset = 0;
    while (bytes.length - offset >= FRAME_HEADER_BYTES) {
      const length = bytes.readUIntBE(offset, 3);
      if (length > MAX_INBOUND_FRAME) return this.#fail(new Error(`a ${length}-byte frame, above the ${MAX_INBOUND_FRAME} allowed`));
      const end = offset + FRAME_HEADER_BYTES + length;
      if (end > bytes.length) break;
      const streamId = bytes.readUInt32BE(offset + 5) & 0x7fffffff;
      this.#onFrame(bytes[offset + 3]!, bytes[offset + 4]!, streamId, bytes.subarray(offset + FRAME_HEADER_BYTES, end));
      if (this.#socket.destroyed) return;
      offset = end;
    }
    this.#partialFrame = offset === bytes.length ? undefined : bytes.subarray(offset);
  }

  #onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (this.#headerBlock !== undefined && type !== CONTINUATION) {
      return this.#fail(new Error(`a frame of type ${type} inside a header block`));
    }
    switch (type) {
      case DATA:
        return this.#onData(flags, streamId, payload);
      case HEADERS: {
        let fragment = flags & PADDED ? unpad(payload) : payload;
        if (flags & PRIORITY) fragment = fragment.subarray(5);
        this.#headerBlock = { streamId, fragments: [fragment], endStream: (flags & END_STREAM) !== 0 };
        if (flags & END_HEADERS) this.#onHeaderBlock();
        return;
      }
      case CONTINUATION:
        if (this.#headerBlock?.streamId !== streamId) return this.#fail(new Error("CONTINUATION outside a header block"));
        this.#headerBlock.fragments.push(payload);
        if (flags & END_HEADERS) this.#onHeaderBlock();
        return;
      case RST_STREAM: {
        const stream = this.#forget(streamId);
        stream?.handler.onError(new Error(`the server reset the stream (code ${payload.readUInt32BE(0)})`));
        return;
      }
      case SETTINGS:
        if (flags & ACK) return;
        this.#applySettings(payload);
        this.#frame(SETTINGS, ACK, 0, Buffer.alloc(0));
        return;
      case PING:
        if (!(flags & ACK)) this.#frame(PING, ACK, 0, Buffer.from(payload));
        return;
      case GOAWAY: {
        const lastStreamId = payload.readUInt32BE(0) & 0x7fffffff;
        const error = new Error(`the server sent GOAWAY (code ${payload.readUInt32BE(4)})`);
        // Streams up to the last one it names may still be answered; later ones never will.
        this.#failure ??= error;
        for (const id of [...this.#streams.keys()]) if (id > lastStreamId) this.#forget(id)?.handler.onError(error);
        for (const retry of this.#waiting.splice(0)) retry();
        return;
      }
      case WINDOW_UPDATE:
        return this.#onWindowUpdate(streamId, payload.readUInt32BE(0) & 0x7fffffff);
      case PUSH_PROMISE:
        return this.#fail(new Error("PUSH_PROMISE, though push was refused"));
      default:
        // PRIORITY and extension frames carry nothing a client must act on.
        return;
    }
  }

  #onData(flags: number, streamId: number, payload: Buffer): void {
    // Flow control counts the whole frame, padding included, even for a stream already reset.
    this.#receivedSinceTopUp += payload.length;
    if (this.#receivedSinceTopUp >= WINDOW_TOP_UP) {
      this.#frame(WINDOW_UPDATE, 0, 0, uint32(this.#receivedSinceTopUp));
      this.#receivedSinceTopUp = 0;
    }
    const stream = this.#streams.get(streamId);
    if (stream === undefined) return;
    const data = flags & PADDED ? unpad(payload) : payload;
    if (data.length > 0 && !this.#deliver(streamId, stream, () => stream.handler.onData(data))) return;
    if (flags & END_STREAM) this.#end(streamId, stream);
  }

  #onHeaderBlock(): void {
    const { streamId, fragments, endStream } = this.#headerBlock!;
    this.#headerBlock = undefined;
    let fields: HeaderField[];
    try {
      // Decoded even for a stream nobody waits for: every block changes the shared dynamic table.
      fields = this.#decoder.decode(fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments));
    } catch (error) {
      return this.#fail(error as Error);
    }
    const stream = this.#streams.get(streamId);
    if (stream === undefined) return;
    if (!this.#deliver(streamId, stream, () => stream.handler.onHeaders(fields))) return;
    if (endStream) this.#end(streamId, stream);
  }

  #applySettings(payload: Buffer): void {
    for (let offset = 0; offset + 6 <= payload.length; offset += 6) {
      const value = payload.readUInt32BE(offset + 2);
      switch (payload.readUInt16BE(offset)) {
        case SETTINGS_MAX_CONCURRENT_STREAMS:
          this.#peerMaxStreams = value;
          break;
        case SETTINGS_INITIAL_WINDOW_SIZE:
          for (const stream of this.#streams.values()) stream.sendWindow += value - this.#peerInitialWindow;
          this.#peerInitialWindow = value;
          for (const [id, stream] of this.#streams) this.#sendBody(id, stream);
          break;
        case SETTINGS_MAX_FRAME_SIZE:
          this.#peerMaxFrameSize = value;
          break;
      }
    }
    this.#openWaiting();
  }

  #onWindowUpdate(streamId: number, increment: number): void {
    if (streamId === 0) {
      this.#connectionSendWindow += increment;
      for (const [id, stream] of this.#streams) if (stream.unsent !== undefined) this.#sendBody(id, stream);
      return;
    }
    const stream = this.#streams.get(streamId);
    if (stream === undefined) return;
    stream.sendWindow += increment;
    this.#sendBody(streamId, stream);
  }

  /** Runs a handler call; if it throws, the stream is reset and fails with that error. False then. */
  #deliver(streamId: number, stream: OpenStream, call: () => void): boolean {
    try {
      call();
      return true;
    } catch (error) {
      this.#forget(streamId);
      this.#frame(RST_STREAM, 0, streamId, uint32(CANCEL));
      stream.handler.onError(error as Error);
      return false;
    }
  }

  #end(streamId: number, stream: OpenStream): void {
    this.#forget(streamId);
    try {
      stream.handler.onEnd();
    } catch (error) {
      stream.handler.onError(error as Error);
    }
  }

  #forget(streamId: number): OpenStream | undefined {
    const stream = this.#streams.get(streamId);
    if (stream === undefined) return undefined;
    this.#streams.delete(streamId);
    this.#openWaiting();
    return stream;
  }

  #openWaiting(): void {
    while (this.#waiting.length > 0 && this.#streams.size < this.#peerMaxStreams) this.#waiting.shift()!();
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#socket.destroy();
    for (const id of [...this.#streams.keys()]) this.#forget(id)?.handler.onError(error);
    for (const retry of this.#waiting.splice(0)) retry();
  }
}

/** A padded frame's content: its first byte says how many bytes of padding end it. */
function unpad(payload: Buffer): Buffer {
  return payload.subarray(1, payload.length - payload[0]!);
}

function uint32(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeUInt32BE(value, 0);
  return bytes;
}
