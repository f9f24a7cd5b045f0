import { GatewayError } from "../../errors/index.js";
import { readRequestBody, RequestBodyError } from "../../http-request/index.js";
import type { HttpRequest } from "./http-types.js";

/** Reads and parses a JSON request body, refusing one larger than maxBytes before reading it all. */
export async function readJsonBody(req: HttpRequest, maxBytes: number): Promise<unknown> {
  const text = await readText(req, maxBytes);
  if (text.trim() === "") throw new GatewayError("invalid_json", "The request body is empty; send a JSON object.");
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new GatewayError("invalid_json", `The request body is not valid JSON: ${(error as Error).message}`);
  }
}

async function readText(req: HttpRequest, maxBytes: number): Promise<string> {
  try {
    return (await readRequestBody(req, req.headers, maxBytes)).toString("utf8");
  } catch (error) {
    if (!(error instanceof RequestBodyError)) throw error;
    throw error.failure === "too_large"
      ? new GatewayError("request_too_large", `The request body is larger than ${maxBytes} bytes.`)
      : new GatewayError("request_canceled");
  }
}
