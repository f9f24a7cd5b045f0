import { GatewayError } from "../../errors/index.js";
import type { HttpRequest } from "./http-types.js";

/** Reads and parses a JSON request body, refusing one larger than maxBytes before reading it all. */
export async function readJsonBody(req: HttpRequest, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const pieces: Buffer[] = [];
  let received = 0;
  for await (const piece of req as AsyncIterable<Buffer>) {
    received += piece.length;
    if (received > maxBytes) throw tooLarge(maxBytes);
    pieces.push(piece);
  }
  const text = pieces.length === 1 ? pieces[0]!.toString("utf8") : Buffer.concat(pieces, received).toString("utf8");
  if (text.trim() === "") throw new GatewayError("invalid_json", "The request body is empty; send a JSON object.");
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new GatewayError("invalid_json", `The request body is not valid JSON: ${(error as Error).message}`);
  }
}

function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError("request_too_large", `The request body is larger than ${maxBytes} bytes.`);
}
