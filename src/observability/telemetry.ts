import { createContextKey, createContextValues, type ContextValues } from "@connectrpc/connect";
import type * as http2 from "node:http2";
import type { Logger } from "pino";
import type { GatewayMetrics } from "../metrics/index.js";
import type { Tracing } from "../tracing/index.js";
import { REQUEST_ID_HEADER } from "./request-id.js";
import { rpcProtocol } from "./request-protocol.js";
import { RequestTelemetry, type ArrivedRequest } from "./request-telemetry.js";
import type { TelemetrySinks } from "./telemetry-sinks.js";

export interface TelemetryOptions {
  readonly logger: Logger;
  /** Request log lines carry the prompt messages and each choice's text. Default false. */
  readonly logPrompts?: boolean;
  /** Undefined: no metrics. */
  readonly metrics?: GatewayMetrics | undefined;
  /** Undefined: no tracing, and no span is ever made. */
  readonly tracing?: Tracing | undefined;
}

/** What the telemetry needs of a response: to stamp the request id on its head and learn when it is over. */
export interface ObservedResponse {
  stampHeader(name: string, value: string): unknown;
  once(event: "close", listener: () => void): unknown;
  readonly statusCode: number;
}

/** A call answered on an HTTP/2 stream, observed: what its handler needs of the telemetry. */
export interface ObservedStream {
  /** The call's context values, holding its RequestTelemetry. */
  readonly values: ContextValues;
  /** Headers every response of the call carries: the request id. */
  readonly responseHeaders: http2.OutgoingHttpHeaders;
}

/** Where RPC handlers find their request's telemetry (HandlerContext.values). */
export const REQUEST_TELEMETRY = createContextKey<RequestTelemetry | undefined>(undefined, { description: "tensorwall request telemetry" });

const byRequest = new WeakMap<object, RequestTelemetry>();

/** The telemetry `Telemetry.observe` started for a request; the REST door finds it here. */
export function requestTelemetry(req: object): RequestTelemetry | undefined {
  return byRequest.get(req);
}

/**
 * Logs, metrics and traces for every request on the port. `observe` wraps the one request handler:
 * each request gets its id (answered as `x-request-id` on every response, both doors) and a
 * RequestTelemetry that the doors, the chat core and the pool report to.
 */
export class Telemetry {
  readonly #sinks: TelemetrySinks;

  constructor(options: TelemetryOptions) {
    this.#sinks = {
      logger: options.logger,
      logPrompts: options.logPrompts ?? false,
      metrics: options.metrics,
      tracing: options.tracing,
    };
  }

  observe<Req extends ArrivedRequest, Res extends ObservedResponse>(handler: (req: Req, res: Res) => void): (req: Req, res: Res) => void {
    return (req, res) => {
      const telemetry = new RequestTelemetry(this.#sinks, req);
      byRequest.set(req, telemetry);
      res.stampHeader(REQUEST_ID_HEADER, telemetry.id);
      res.once("close", () => telemetry.responseClosed(res.statusCode));
      handler(req, res);
    };
  }

  /** For the RPC handler's `contextValues`, called only for requests it routes to a method. */
  contextValues(req: ArrivedRequest): ContextValues {
    const telemetry = byRequest.get(req);
    telemetry?.rpc(rpcProtocol(req.headers["content-type"]));
    return createContextValues().set(REQUEST_TELEMETRY, telemetry);
  }

  /**
   * `observe` for a call the binary RPC path answers on the HTTP/2 stream itself, without Node's
   * request and response objects; called as the call starts.
   */
  observeStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): ObservedStream {
    const telemetry = new RequestTelemetry(this.#sinks, { method: headers[":method"], url: headers[":path"], headers });
    telemetry.rpc(rpcProtocol(headers["content-type"]));
    // A stream that closes before its head was sent reads 200, as the compatibility response's status does.
    stream.once("close", () => telemetry.responseClosed(Number(stream.sentHeaders?.[":status"] ?? 200)));
    return {
      values: createContextValues().set(REQUEST_TELEMETRY, telemetry),
      responseHeaders: { [REQUEST_ID_HEADER]: telemetry.id },
    };
  }

  /** Tells an RPC's telemetry the error its caller received (the Connect error, after conversion). */
  readonly rpcFailed = (error: unknown, values: ContextValues): void => {
    values.get(REQUEST_TELEMETRY)?.failed(error);
  };

  /** Exports the spans still buffered. */
  async close(): Promise<void> {
    await this.#sinks.tracing?.shutdown();
  }
}
