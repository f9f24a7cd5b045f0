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
 * every request. Once it settles, its listeners give way to one that ignores a late 'error' (so
 * there always is one): kept, they would keep the body alive for as long as a stream is open.
 */
function readText(req: HttpRequest, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // Destroyed without an error (the caller went away): 'end' never comes.
    if (req.destroyed) return reject(new GatewayError("request_canceled"));
    const pieces: Buffer[] = [];
    let received = 0;
    const stop = (): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
      req.on("error", ignore);
    };
    const onError = (error: unknown): void => {
      stop();
      reject(error);
    };
    const onClose = (): void => onError(new GatewayError("request_canceled"));
    const onData = (piece: Buffer): void => {
      received += piece.length;
      if (received > maxBytes) {
        // The rest is not worth reading: drop the request, as leaving a for-await loop early would.
        onError(tooLarge(maxBytes));
        req.destroy();
        return;
      }
      pieces.push(piece);
    };
    const onEnd = (): void => {
      stop();
      resolve(pieces.length === 1 ? pieces[0]!.toString("utf8") : Buffer.concat(pieces, received).toString("utf8"));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

function ignore(): void {}

function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError("request_too_large", `The request body is larger than ${maxBytes} bytes.`);
}
