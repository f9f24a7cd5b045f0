import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import type * as tls from "node:tls";
import type { AddressInfo } from "node:net";
import {
  resolveOnePortServerOptions,
  type OnePortServerOptions,
  type ResolvedOnePortServerOptions,
} from "./one-port-server-options.js";
import { sniffCleartextProtocol, type CleartextProtocol } from "./sniff-cleartext-protocol.js";
import { StampedHttp2Response, StampedResponse } from "./stamped-response.js";

/**
 * One handler serves every protocol on the port; `req.httpVersionMajor` says which one carried it.
 * Every response can be stamped with headers for its head (see StampedResponse).
 */
export type RequestHandler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: StampedResponse | StampedHttp2Response) => void;

/**
 * Answers an HTTP/2 stream through Node's core API and returns true, or returns false to leave it
 * to the request handler. It sees each stream before Node's compatibility layer makes a request and
 * a response of it, which costs a call several microseconds.
 */
export type StreamHandler = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => boolean;

/** How long `close()` waits for in-flight requests when the caller does not say. */
export const DEFAULT_CLOSE_GRACE_MS = 30_000;

type H2cServer = http2.Http2Server<typeof http.IncomingMessage, typeof http.ServerResponse, typeof http2.Http2ServerRequest, typeof StampedHttp2Response>;
type TlsServer = http2.Http2SecureServer<typeof http.IncomingMessage, typeof StampedResponse, typeof http2.Http2ServerRequest, typeof StampedHttp2Response>;

type Lifecycle =
  | { readonly kind: "created" }
  | { readonly kind: "starting"; readonly started: Promise<AddressInfo> }
  | { readonly kind: "listening"; readonly address: AddressInfo }
  | { readonly kind: "closing"; readonly closed: Promise<void> }
  | { readonly kind: "closed" };

/**
 * A connection once its protocol is known, with the requests it has in flight. HTTP/1 connections are
 * keyed by the socket their requests report (`req.socket`: the TCP socket, or the TLS socket), HTTP/2
 * ones by their session.
 */
type Connection =
  | { readonly protocol: "http1"; readonly socket: net.Socket; inFlight: number; readonly onResponseClose: () => void }
  | {
      readonly protocol: "http2";
      readonly session: http2.ServerHttp2Session;
      inFlight: number;
      readonly onResponseClose: () => void;
    };

/** Where an accepted TCP socket is: still showing its first bytes, or owned by a protocol server. */
type SocketPhase = "identifying" | "handed-over";

/**
 * HTTP/1.1, h2c (HTTP/2 by prior knowledge) and, with `tls`, h2 and http/1.1 over TLS by ALPN, all on
 * one port and all answered by one handler. Constructing it does not listen.
 *
 * Every connection is accepted by one `net.Server`, in both modes, so accepting, socket options,
 * bookkeeping and shutdown have a single path. Cleartext connections are classified by their first
 * bytes (see `sniffCleartextProtocol`) and handed to an `http.Server` or an `http2.Http2Server`; TLS
 * connections are handed to an `http2.Http2SecureServer` with `allowHTTP1`, which picks by ALPN.
 * None of those inner servers listens; they receive sockets through their documented 'connection'
 * event. HTTP/2 streams are offered to the stream handler, if there is one, before they become
 * requests.
 */
export class OnePortServer {
  private readonly options: ResolvedOnePortServerOptions;
  private readonly handler: RequestHandler;
  private readonly streamHandler: StreamHandler | undefined;
  private readonly listener: net.Server;
  /** Cleartext only. */
  private readonly http1Server: http.Server<typeof http.IncomingMessage, typeof StampedResponse> | undefined;
  /** Cleartext only. */
  private readonly h2cServer: H2cServer | undefined;
  /** TLS only: serves both h2 and (through `allowHTTP1`) http/1.1. */
  private readonly tlsServer: TlsServer | undefined;
  private readonly sockets = new Map<net.Socket, SocketPhase>();
  private readonly connections = new Map<net.Socket | http2.Http2Session, Connection>();
  private lifecycle: Lifecycle = { kind: "created" };
  /** Called whenever a connection is forgotten; finishes `close()` once the last one is. */
  private onConnectionGone: () => void = () => {};

  constructor(handler: RequestHandler, options?: OnePortServerOptions, streamHandler?: StreamHandler) {
    this.options = resolveOnePortServerOptions(options);
    this.handler = handler;
    this.streamHandler = streamHandler;
    const o = this.options;

    // Node's own HTTP/1 options, shared by the cleartext server and the TLS server's HTTP/1 side.
    const http1Options = {
      keepAliveTimeout: o.keepAliveTimeoutMs,
      headersTimeout: o.headersTimeoutMs,
      requestTimeout: o.requestTimeoutMs,
      // Node checks the header and request deadlines on this interval (30 s by default), which would
      // let a slow client overstay a short headersTimeoutMs by half a minute.
      connectionsCheckingInterval: Math.min(1_000, o.headersTimeoutMs),
    };
    const http2Options = {
      settings: { maxConcurrentStreams: o.http2MaxConcurrentStreams },
      maxSessionMemory: o.http2MaxSessionMemoryMb,
      Http2ServerResponse: StampedHttp2Response,
    };

    // No `noDelay` on the inner servers: they never accept; the listener sets it on every socket.
    this.listener = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    // Accept failures (EMFILE, ECONNABORTED) are transient and the listener keeps accepting; without a
    // listener for them the 'error' event would throw and take the process down.
    this.listener.on("error", ignoreError);

    if (o.tls === undefined) {
      this.http1Server = http.createServer({ ...http1Options, ServerResponse: StampedResponse }, this.onRequest);
      this.h2cServer = http2.createServer(http2Options, this.onRequest);
      this.h2cServer.on("session", this.onSession);
      this.offerStreamsFirst(this.h2cServer);
      startConnectionChecks(this.http1Server);
    } else {
      this.tlsServer = http2.createSecureServer(
        {
          ...http2Options,
          cert: o.tls.cert,
          key: o.tls.key,
          allowHTTP1: true,
          Http1ServerResponse: StampedResponse,
          ALPNProtocols: ["h2", "http/1.1"],
          handshakeTimeout: o.prefaceTimeoutMs,
        },
        this.onRequest,
      );
      // Http2SecureServer takes none of the HTTP/1 options and never sets keepAliveTimeout, so without
      // this an idle HTTP/1.1-over-TLS connection would stay open until the client leaves.
      Object.assign(this.tlsServer, http1Options);
      this.tlsServer.on("session", this.onSession);
      this.offerStreamsFirst(this.tlsServer);
      this.tlsServer.on("secureConnection", (socket: tls.TLSSocket) => {
        // h2 sessions arrive through 'session'; everything else ALPN settled on is HTTP/1.
        if (socket.alpnProtocol !== "h2") this.addHttp1Connection(socket);
      });
      startConnectionChecks(this.tlsServer);
    }
  }

  /** Where the server listens; undefined before `listen()` resolves and once `close()` is called. */
  get address(): AddressInfo | undefined {
    return this.lifecycle.kind === "listening" ? this.lifecycle.address : undefined;
  }

  /** Requests whose response has not closed yet, over every connection and protocol. */
  get inFlightRequests(): number {
    let count = 0;
    for (const connection of this.connections.values()) count += connection.inFlight;
    return count;
  }

  /** Starts listening; `port` 0 picks a free port, which the resolved address reports. */
  listen(port: number, host: string): Promise<AddressInfo> {
    if (this.lifecycle.kind !== "created") {
      return Promise.reject(new Error(`OnePortServer.listen() called while ${this.lifecycle.kind}`));
    }
    const started = new Promise<AddressInfo>((resolve, reject) => {
      const onError = (error: Error): void => {
        this.lifecycle = { kind: "created" };
        reject(error);
      };
      this.listener.once("error", onError);
      this.listener.listen(port, host, () => {
        this.listener.removeListener("error", onError);
        // Listening on a host and port always yields an AddressInfo (a string is for pipes).
        const address = this.listener.address() as AddressInfo;
        this.lifecycle = { kind: "listening", address };
        resolve(address);
      });
    });
    this.lifecycle = { kind: "starting", started };
    return started;
  }

  /**
   * Shuts down gracefully and resolves once every connection is closed.
   *
   * At once: stops accepting; destroys connections that have not identified their protocol yet;
   * closes idle HTTP/1.1 keep-alive connections; sends GOAWAY on HTTP/2 sessions, which lets their
   * open streams finish and refuses new ones. An HTTP/1.1 connection with a request in flight closes
   * after its last response; a request that still arrives on it is answered 503 with
   * `Connection: close`, without reaching the handler. After `graceMs`, whatever is left is destroyed.
   *
   * TLS connections mid-handshake are an exception to "at once": Node does not expose which TCP
   * socket a TLS socket wraps, so they are closed when their handshake completes, or destroyed when
   * `prefaceTimeoutMs` or `graceMs` runs out. Calling `close()` again returns the first call's promise.
   */
  close(graceMs: number = DEFAULT_CLOSE_GRACE_MS): Promise<void> {
    const lifecycle = this.lifecycle;
    switch (lifecycle.kind) {
      case "created":
        this.lifecycle = { kind: "closed" };
        this.closeInnerServers();
        return Promise.resolve();
      case "starting": {
        const closeAfterStart = (): Promise<void> => this.close(graceMs);
        return lifecycle.started.then(closeAfterStart, closeAfterStart);
      }
      case "listening":
        return this.shutDown(graceMs);
      case "closing":
        return lifecycle.closed;
      case "closed":
        return Promise.resolve();
    }
  }

  private shutDown(graceMs: number): Promise<void> {
    let forceTimer: NodeJS.Timeout | undefined;
    const closed = new Promise<void>((resolve) => {
      // The listener's close callback waits for every TCP socket it accepted, whichever server ended
      // up owning it. An HTTP/2 session reports its own close a tick after its socket's, so the
      // connections are waited for as well.
      this.listener.close(() => {
        this.onConnectionGone = () => {
          if (this.connections.size > 0) return;
          this.onConnectionGone = () => {};
          clearTimeout(forceTimer);
          this.closeInnerServers();
          this.lifecycle = { kind: "closed" };
          resolve();
        };
        this.onConnectionGone();
      });
    });
    this.lifecycle = { kind: "closing", closed };

    for (const [socket, phase] of this.sockets) {
      if (phase === "identifying") socket.destroy();
    }
    for (const connection of this.connections.values()) this.retire(connection);
    forceTimer = setTimeout(() => this.destroyEverything(), graceMs);
    return closed;
  }

  /** Tells a connection to finish: now if it is idle, after its in-flight requests otherwise. */
  private retire(connection: Connection): void {
    if (connection.protocol === "http2") {
      connection.session.close();
    } else if (connection.inFlight === 0) {
      // destroySoon, not destroy: the last response may still sit in the socket's write buffer.
      connection.socket.destroySoon();
    }
  }

  private destroyEverything(): void {
    for (const connection of this.connections.values()) {
      if (connection.protocol === "http2") connection.session.destroy();
      else connection.socket.destroy();
    }
    for (const socket of this.sockets.keys()) socket.destroy();
  }

  /** The inner servers never listen, but they run connection-check intervals until closed. */
  private closeInnerServers(): void {
    this.http1Server?.close();
    this.h2cServer?.close();
    this.tlsServer?.close();
  }

  private accept(socket: net.Socket): void {
    // The protocol servers attach their own error handling once they own the socket; this covers the
    // time before, and errors they leave unhandled, so a reset connection never becomes an
    // uncaught 'error' event.
    socket.on("error", ignoreError);
    socket.once("close", () => this.sockets.delete(socket));
    if (this.tlsServer !== undefined) {
      this.sockets.set(socket, "handed-over");
      this.tlsServer.emit("connection", socket);
      return;
    }
    this.sockets.set(socket, "identifying");
    sniffCleartextProtocol(socket, this.options.prefaceTimeoutMs, this.onIdentified);
  }

  private readonly onIdentified = (socket: net.Socket, protocol: CleartextProtocol): void => {
    this.sockets.set(socket, "handed-over");
    if (protocol === "h2c") {
      // 'session' (onSession) fires synchronously from here.
      this.h2cServer?.emit("connection", socket);
      return;
    }
    this.addHttp1Connection(socket);
    this.http1Server?.emit("connection", socket);
    // The sniffer paused the socket; the HTTP/1 server only attaches listeners, so the bytes it put
    // back would wait forever without this.
    socket.resume();
  };

  private addHttp1Connection(socket: net.Socket): void {
    const connection: Connection = {
      protocol: "http1",
      socket,
      inFlight: 0,
      onResponseClose: () => {
        connection.inFlight--;
        if (this.lifecycle.kind === "closing") this.retire(connection);
      },
    };
    this.connections.set(socket, connection);
    socket.once("close", () => this.forget(socket));
    if (this.lifecycle.kind === "closing") this.retire(connection);
  }

  private forget(key: net.Socket | http2.Http2Session): void {
    this.connections.delete(key);
    this.onConnectionGone();
  }

  private readonly onSession = (session: http2.ServerHttp2Session): void => {
    const connection: Connection = {
      protocol: "http2",
      session,
      inFlight: 0,
      onResponseClose: () => {
        connection.inFlight--;
      },
    };
    this.connections.set(session, connection);
    session.once("close", () => this.forget(session));
    // The session timer restarts on every frame and fires once per quiet period; a quiet period with
    // streams open (a slow model) is not idleness. `on`, not setTimeout's callback argument: that one
    // is registered with `once`, and the check has to run again after a quiet period it ignored.
    session.setTimeout(this.options.http2IdleTimeoutMs);
    session.on("timeout", () => {
      if (connection.inFlight === 0) session.close();
    });
    if (this.lifecycle.kind === "closing") this.retire(connection);
  };

  /**
   * Puts the stream handler in front of Node's compatibility layer, which is the HTTP/2 server's one
   * 'stream' listener (Node adds it with the 'request' listener): the streams it declines go on to
   * become requests.
   */
  private offerStreamsFirst(server: H2cServer | TlsServer): void {
    if (this.streamHandler === undefined) return;
    const compatibility = server.listeners("stream");
    if (compatibility.length !== 1) {
      throw new Error(`OnePortServer expects Node's HTTP/2 compatibility layer as the one 'stream' listener; found ${compatibility.length}`);
    }
    const toRequest = compatibility[0] as (...args: unknown[]) => void;
    server.removeAllListeners("stream");
    server.on("stream", (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, flags: number, rawHeaders: string[]) => {
      if (!this.onStream(stream, headers)) toRequest.call(server, stream, headers, flags, rawHeaders);
    });
  }

  /** Offers a stream to the stream handler, and counts it as a request in flight if it takes it. */
  private onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): boolean {
    if (this.streamHandler?.(stream, headers) !== true) return false;
    const connection = this.connections.get(stream.session as http2.ServerHttp2Session);
    if (connection !== undefined) {
      connection.inFlight++;
      stream.once("close", connection.onResponseClose);
    }
    return true;
  }

  /** Every request of every protocol passes here: keep it to a lookup, a counter and one listener. */
  private readonly onRequest = (req: http.IncomingMessage | http2.Http2ServerRequest, res: StampedResponse | StampedHttp2Response): void => {
    const key = isHttp2Request(req) ? req.stream.session : req.socket;
    const connection = key === undefined ? undefined : this.connections.get(key);
    if (connection === undefined) {
      // Cannot happen: connections are registered before their first request can be parsed. Serving
      // the request uncounted beats failing it.
      this.handler(req, res);
      return;
    }
    connection.inFlight++;
    res.on("close", connection.onResponseClose);
    if (connection.protocol === "http1" && this.lifecycle.kind === "closing") {
      refuseWhileClosing(res as StampedResponse);
      return;
    }
    this.handler(req, res);
  };
}

function isHttp2Request(req: http.IncomingMessage | http2.Http2ServerRequest): req is http2.Http2ServerRequest {
  return req.httpVersionMajor === 2;
}

/**
 * HTTP/1.1 has no GOAWAY: a request that arrives on a connection after shutdown began gets a response
 * that tells the client to retry elsewhere and that closes the connection.
 */
function refuseWhileClosing(res: http.ServerResponse): void {
  res.writeHead(503, { connection: "close", "content-length": "0" });
  res.end();
}

/**
 * Starts the header and request deadline checks of an HTTP/1 server that never listens. Node starts
 * them from the server's own 'listening' event (`setupConnectionsTracking` in lib/_http_server.js);
 * without them `headersTimeoutMs` and `requestTimeoutMs` are silently not enforced.
 */
function startConnectionChecks(server: net.Server): void {
  server.emit("listening");
}

function ignoreError(): void {}
