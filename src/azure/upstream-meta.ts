import { firstHeader, type ResponseHeaders } from "./response-headers.js";

/** What the gateway learned about Azure's answer, for logs and response headers. */
export interface UpstreamMeta {
  status: number;
  /** Azure's request id (`apim-request-id`, else `x-request-id`), which Azure support asks for. */
  requestId?: string;
  /** The Azure region that served the request (`x-ms-region`), when Azure says. */
  region?: string;
}

export function upstreamMeta(status: number, headers: ResponseHeaders): UpstreamMeta {
  const meta: UpstreamMeta = { status };
  const requestId = firstHeader(headers, "apim-request-id") ?? firstHeader(headers, "x-request-id");
  if (requestId !== undefined) meta.requestId = requestId;
  const region = firstHeader(headers, "x-ms-region");
  if (region !== undefined) meta.region = region;
  return meta;
}
