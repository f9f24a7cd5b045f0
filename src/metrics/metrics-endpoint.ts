import type { OutgoingHttpHeaders } from "node:http";
import { readGatewayKey, requireAdmin, type HeaderGetter, type KeyRegistry } from "../keys/index.js";
import type { GatewayMetrics } from "./gateway-metrics.js";

/** A whole HTTP answer, for the door to write. */
export interface MetricsReply {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: string;
}

/** Answers `GET /metrics`, given the request's headers; throws a GatewayError when a key is missing or not an admin's. */
export type MetricsEndpoint = (header: HeaderGetter) => Promise<MetricsReply>;

/**
 * The scrape endpoint. With `admin` access the scraper presents an admin gateway key (Prometheus:
 * `authorization: { credentials_file: … }`); with `on` anyone who reaches the port may read it,
 * like /healthz. Metrics hold names of routes, deployments and regions and counts, never a key,
 * a key id or request content.
 */
export function metricsEndpoint(metrics: GatewayMetrics, access: "on" | "admin", keys: KeyRegistry): MetricsEndpoint {
  return async (header) => {
    if (access === "admin") requireAdmin(await keys.authenticate(readGatewayKey(header)));
    const body = await metrics.render();
    return {
      status: 200,
      headers: { "content-type": metrics.contentType, "content-length": Buffer.byteLength(body), "cache-control": "no-store" },
      body,
    };
  };
}
