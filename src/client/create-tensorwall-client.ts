import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import {
  Http2SessionManager,
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { AdminService } from "../../gen/tensorwall/v1/admin_pb.js";
import { ChatService } from "../../gen/tensorwall/v1/chat_pb.js";
import { defaultHeadersInterceptor } from "./default-headers-interceptor.js";

export type TensorWallProtocol = "connect" | "grpc" | "grpc-web";

export interface TensorWallClientOptions {
  /** The gateway, e.g. "http://localhost:8000". An https URL uses TLS (ALPN h2 for HTTP/2). */
  readonly baseUrl: string;
  /** A `gw_` gateway key, sent as `authorization: Bearer …` on every call that does not set its own. */
  readonly apiKey: string;
  /** The wire protocol. Default "connect". */
  readonly protocol?: TensorWallProtocol;
  /**
   * HTTP version for "connect" (default "2") and "grpc-web" (default "1.1", what gRPC-Web proxies
   * and browsers speak). gRPC always uses "2".
   */
  readonly httpVersion?: "1.1" | "2";
  /**
   * Deadline for each call that does not pass its own `timeoutMs`, sent as `connect-timeout-ms` or
   * `grpc-timeout`; the gateway cancels the Azure request when it passes. Default 300000 (five
   * minutes, room for a long stream); 0 sends no deadline.
   */
  readonly timeoutMs?: number;
  /** Headers on every call, e.g. `x-azure-endpoint` and `x-azure-api-key`. A call's own header wins. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Run on every call, after the key and headers above are set. */
  readonly interceptors?: readonly Interceptor[];
}

/** Typed clients for the gateway's services, sharing one transport and its connection. */
export interface TensorWallClient {
  readonly chat: Client<typeof ChatService>;
  /** Needs an admin key. */
  readonly admin: Client<typeof AdminService>;
  /** For other services on the same connection, e.g. `grpc.health.v1.Health`. */
  readonly transport: Transport;
  /** Ends this client's connections, failing calls still in flight; for shutdown. */
  close(): void;
}

export const DEFAULT_CLIENT_TIMEOUT_MS = 300_000;

/** The protocol and HTTP version a client speaks; gRPC exists only over HTTP/2. */
type Wire =
  | { readonly protocol: "grpc"; readonly httpVersion: "2" }
  | { readonly protocol: "connect" | "grpc-web"; readonly httpVersion: "1.1" | "2" };

interface CommonTransportOptions {
  readonly baseUrl: string;
  readonly interceptors: Interceptor[];
  readonly defaultTimeoutMs: number | undefined;
}

export function createTensorWallClient(options: TensorWallClientOptions): TensorWallClient {
  const wire = wireFor(options.protocol ?? "connect", options.httpVersion);
  const baseUrl = new URL(options.baseUrl);
  if (baseUrl.protocol !== "http:" && baseUrl.protocol !== "https:") {
    throw new TypeError(`baseUrl must be an http or https URL, got "${options.baseUrl}"`);
  }
  if (options.apiKey === "") throw new TypeError("apiKey must be a gateway key (gw_…), got an empty string");
  const timeoutMs = options.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new TypeError(`timeoutMs must be a number of milliseconds >= 0 (0 sends no deadline), got ${timeoutMs}`);
  }

  const defaults = new Headers(options.headers);
  defaults.set("authorization", `Bearer ${options.apiKey}`);
  const { transport, close } = openTransport(wire, baseUrl, {
    baseUrl: options.baseUrl,
    interceptors: [defaultHeadersInterceptor(defaults), ...(options.interceptors ?? [])],
    defaultTimeoutMs: timeoutMs === 0 ? undefined : timeoutMs,
  });
  return {
    chat: createClient(ChatService, transport),
    admin: createClient(AdminService, transport),
    transport,
    close,
  };
}

/** A transport with connections of its own, so that closing one client leaves others alone. */
function openTransport(wire: Wire, baseUrl: URL, common: CommonTransportOptions): { transport: Transport; close: () => void } {
  if (wire.httpVersion === "1.1") {
    const agent = baseUrl.protocol === "https:" ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    const http1 = { ...common, httpVersion: "1.1" as const, nodeOptions: { agent } };
    return {
      transport: wire.protocol === "grpc-web" ? createGrpcWebTransport(http1) : createConnectTransport(http1),
      close: () => agent.destroy(),
    };
  }
  const sessions = new Http2SessionManager(baseUrl);
  const http2 = { ...common, httpVersion: "2" as const, sessionManager: sessions };
  const transport =
    wire.protocol === "grpc"
      ? createGrpcTransport(http2)
      : wire.protocol === "grpc-web"
        ? createGrpcWebTransport(http2)
        : createConnectTransport(http2);
  return { transport, close: () => sessions.abort() };
}

function wireFor(protocol: TensorWallProtocol, httpVersion: "1.1" | "2" | undefined): Wire {
  switch (protocol) {
    case "connect":
      return { protocol, httpVersion: httpVersion ?? "2" };
    case "grpc-web":
      return { protocol, httpVersion: httpVersion ?? "1.1" };
    case "grpc":
      if (httpVersion === "1.1") throw new TypeError('protocol "grpc" needs HTTP/2; use httpVersion "2" or protocol "grpc-web"');
      return { protocol, httpVersion: "2" };
    default:
      throw new TypeError(`protocol must be "connect", "grpc" or "grpc-web", got "${String(protocol)}"`);
  }
}
