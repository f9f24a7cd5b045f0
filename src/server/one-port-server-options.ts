/** PEM material for serving TLS; ALPN then chooses between h2 and http/1.1. */
export interface OnePortServerTls {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

/** Options of `OnePortServer`. Every field is optional; the defaults are listed on each. */
export interface OnePortServerOptions {
  /**
   * Serve TLS instead of cleartext. With TLS the port speaks only TLS (h2 and http/1.1 by ALPN); without
   * it the port speaks cleartext HTTP/1.1 and h2c by prior knowledge. Default: unset (cleartext).
   */
  readonly tls?: OnePortServerTls;
  /**
   * How long a new connection has to identify its protocol before it is destroyed: in cleartext, to
   * send enough bytes to tell the HTTP/2 preface from an HTTP/1 request line (one or two bytes for
   * HTTP/1, 24 for HTTP/2); with TLS, to complete the handshake (which carries ALPN). Bounds how long
   * a silent or trickling client holds a socket. Default: 10_000.
   */
  readonly prefaceTimeoutMs?: number;
  /**
   * HTTP/1.1: how long a client has to send a request's complete headers, measured from the request's
   * first byte. Must not exceed `requestTimeoutMs`. Enforced by Node's connection checker, which runs
   * every `min(1_000, headersTimeoutMs)` ms, so a connection may outlive it by up to that much.
   * Default: 60_000 (Node's).
   */
  readonly headersTimeoutMs?: number;
  /**
   * HTTP/1.1: how long a client has to send a complete request, headers and body. It does not limit
   * how long the response (for example a long completion stream) takes. Default: 300_000 (Node's).
   */
  readonly requestTimeoutMs?: number;
  /**
   * HTTP/1.1: how long an idle keep-alive connection (no request in flight) stays open waiting for its
   * next request. It is advertised as `Keep-Alive: timeout=<seconds>`, and Node closes the socket one
   * second later than advertised so a client never sends into a closing socket. Behind a load
   * balancer, set it above the balancer's own idle timeout so the balancer, not the gateway, closes
   * idle connections. Default: 5_000 (Node's).
   */
  readonly keepAliveTimeoutMs?: number;
  /**
   * HTTP/2: how long a session may stay open with no frames exchanged while it has no request in
   * flight; then it is closed gracefully (GOAWAY). A session with requests in flight is never closed
   * for idleness, however quiet its streams are. Default: 300_000.
   */
  readonly http2IdleTimeoutMs?: number;
  /**
   * HTTP/2: the SETTINGS_MAX_CONCURRENT_STREAMS the server advertises, i.e. requests one client
   * session may have open at once. High because a single gateway client (an SDK multiplexing many
   * streamed completions) legitimately holds thousands of long-lived streams; bounded so one session
   * cannot make the server track an unlimited number. Default: 10_000.
   */
  readonly http2MaxConcurrentStreams?: number;
  /**
   * HTTP/2: the memory, in megabytes, one session may use (open streams, header compression tables,
   * data queued to be sent) before new streams are refused with ENHANCE_YOUR_CALM. Node's default of
   * 10 holds 10_000 idle streams, but streamed completions queued for a slow reader count against it
   * too and would start refusing requests on a busy session. Default: 64.
   */
  readonly http2MaxSessionMemoryMb?: number;
}

/** `OnePortServerOptions` with every default applied; what the server reads internally. */
export interface ResolvedOnePortServerOptions {
  readonly tls: OnePortServerTls | undefined;
  readonly prefaceTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly http2IdleTimeoutMs: number;
  readonly http2MaxConcurrentStreams: number;
  readonly http2MaxSessionMemoryMb: number;
}

/**
 * Applies the defaults and validates, throwing a `RangeError` that names the option and what would be
 * valid. Returns a new object; the caller's is not touched.
 */
export function resolveOnePortServerOptions(options: OnePortServerOptions = {}): ResolvedOnePortServerOptions {
  const resolved: ResolvedOnePortServerOptions = {
    tls: options.tls,
    prefaceTimeoutMs: positiveInteger("prefaceTimeoutMs", options.prefaceTimeoutMs ?? 10_000),
    headersTimeoutMs: positiveInteger("headersTimeoutMs", options.headersTimeoutMs ?? 60_000),
    requestTimeoutMs: positiveInteger("requestTimeoutMs", options.requestTimeoutMs ?? 300_000),
    keepAliveTimeoutMs: positiveInteger("keepAliveTimeoutMs", options.keepAliveTimeoutMs ?? 5_000),
    http2IdleTimeoutMs: positiveInteger("http2IdleTimeoutMs", options.http2IdleTimeoutMs ?? 300_000),
    http2MaxConcurrentStreams: positiveInteger("http2MaxConcurrentStreams", options.http2MaxConcurrentStreams ?? 10_000),
    http2MaxSessionMemoryMb: positiveInteger("http2MaxSessionMemoryMb", options.http2MaxSessionMemoryMb ?? 64),
  };
  // Node's http server throws on this combination with a message about its own option names.
  if (resolved.headersTimeoutMs > resolved.requestTimeoutMs) {
    throw new RangeError(
      `OnePortServer option headersTimeoutMs (${resolved.headersTimeoutMs}) must not exceed requestTimeoutMs (${resolved.requestTimeoutMs})`,
    );
  }
  return resolved;
}

function positiveInteger(name: string, value: number): number {
  // 2^31 - 1 is the largest delay Node's timers accept; larger values silently become 1 ms.
  if (!Number.isInteger(value) || value < 1 || value > 2_147_483_647) {
    throw new RangeError(`OnePortServer option ${name} must be an integer from 1 to 2147483647, got ${String(value)}`);
  }
  return value;
}
