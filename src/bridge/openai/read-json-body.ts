import { GatewayError } from "../../errors/index.js";
import type { HttpRequest } from "./http-types.js";

/** Reads and parses a JSON request body, refusing one larger than maxBytes before reading it all. */
export async function readJsonBody(req: HttpRequest, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const text = await readText(req, maxBytes);
  if (text.trim() === "") throw new GatewayError("invalid_json", "The request body is empty; send a JSON object.");
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new GatewayError("invalid_json", `The request body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * The body as text, from 'data' events: async iteration would cost a promise or two per piece, on
 * every request. The listeners stay attached once it settles (and then do nothing), so a late
 * 'error' always has one.
 */
function readText(req: HttpRequest, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    // Destroyed without an error (the caller went away): 'end' never comes.
    if (req.destroyed) return fail(new GatewayError("request_canceled"));
    const pieces: Buffer[] = [];
    let received = 0;
    req.on("data", (piece: Buffer) => {
      if (settled) return;
      received += piece.length;
      if (received > maxBytes) {
        // The rest is not worth reading: drop the request, as leaving a for-await loop early would.
        fail(tooLarge(maxBytes));
        req.destroy();
        return;
      }
      pieces.push(piece);
    });
    req.on("end", () => {
      if (settled) return;
      settled = true;
      resolve(pieces.length === 1 ? pieces[0]!.toString("utf8") : Buffer.concat(pieces, received).toString("utf8"));
    });
    req.on("error", fail);
    req.on("close", () => {
      if (!settled) fail(new GatewayError("request_canceled"));
    });
  });
}

function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError("request_too_large", `The request body is larger than ${maxBytes} bytes.`);
}
