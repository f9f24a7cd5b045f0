import type * as http from "node:http";
import type * as http2 from "node:http2";
import type { Readable } from "node:stream";

/** How a reader says why it gave up on a body; the door turns each into its protocol's error. */
export type BodyFailure = "too_large" | "caller_left";

export class RequestBodyError extends Error {
  readonly failure: BodyFailure;

  constructor(failure: BodyFailure) {
    super(failure === "too_large" ? "The request body is larger than allowed." : "The caller went away before sending the whole body.");
    this.name = "RequestBodyError";
    this.failure = failure;
  }
}

/**
 * A request's whole body, refused at once when its content-length is larger than maxBytes and as
 * soon as more than maxBytes arrive. Read from 'data' events: async iteration would cost a promise
 * or two per piece, on every request. Once it settles, its listeners give way to one that ignores a
 * late 'error' (so there always is one): kept, they would keep the body alive for as long as a
 * stream is open.
 *
 * A body found too large part-way is not worth reading on: by default the request is destroyed, as
 * leaving a for-await loop early would. An HTTP/2 stream that is still to carry the answer passes
 * `dropRest: "discard"`: destroying it would reset the answer too, so it is left flowing and what
 * else arrives is dropped.
 */
export function readRequestBody(
  req: Readable,
  headers: http.IncomingHttpHeaders | http2.IncomingHttpHeaders,
  maxBytes: number,
  dropRest: "destroy" | "discard" = "destroy",
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBytes) return reject(new RequestBodyError("too_large"));
    // Destroyed without an error (the caller went away): 'end' never comes.
    if (req.destroyed) return reject(new RequestBodyError("caller_left"));
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
    const onClose = (): void => onError(new RequestBodyError("caller_left"));
    const onData = (piece: Buffer): void => {
      received += piece.length;
      if (received > maxBytes) {
        onError(new RequestBodyError("too_large"));
        if (dropRest === "destroy") req.destroy();
        return;
      }
      pieces.push(piece);
    };
    const onEnd = (): void => {
      stop();
      resolve(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, received));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

function ignore(): void {}
