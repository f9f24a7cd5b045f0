import type { OutgoingHttpHeaders } from "node:http";
import { RETRY_AFTER_MS_HEADER, type GatewayError } from "../../errors/index.js";
import type { HttpResponse } from "./http-types.js";
import { openAiErrorJson } from "./openai-error-json.js";

/** Answers a REST request with our error in OpenAI's JSON shape and the matching status. */
export function writeErrorResponse(res: HttpResponse, error: GatewayError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify(openAiErrorJson(error));
  const headers: OutgoingHttpHeaders = {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  };
  if (error.retryAfterMs !== undefined) {
    headers["retry-after"] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
    headers[RETRY_AFTER_MS_HEADER] = String(Math.ceil(error.retryAfterMs));
  }
  res.writeHead(error.httpStatus, headers);
  res.end(body);
}
