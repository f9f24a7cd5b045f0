import type * as http from "node:http";
import type * as http2 from "node:http2";
import { PassThrough, type Readable } from "node:stream";

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
 * A request's whole body, refused at once when its content-length is larger than maxBytes, and as
 * soon as more than maxBytes arrive, in which case the request is destroyed, as leaving a for-await
 * loop early would. Read from 'data' events: async iteration would cost a promise or two per piece,
 * on every request. Once it settles, its listeners give way to one that ignores a late
 * 'error' (so there always is one): kept, they would keep the body alive for as long as a stream is
 * open.
 */
export function readRequestBody(
  req: Readable,
  headers: http.IncomingHttpHeaders | http2.IncomingHttpHeaders,
  maxBytes: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const refused = refusedAtOnce(req, headers, maxBytes);
    if (refused !== undefined) return reject(refused);
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
        req.destroy();
        return;
      }
      pieces.push(piece);
    };
    const onEnd = (): void => {
      stop();
      resolve(joined(pieces, received));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

/**
 * The whole body of an HTTP/2 stream that is still to carry the answer, with readRequestBody's
 * limits. A body found too large part-way is not destroyed, which would reset the answer too: the
 * stream is left flowing and what else arrives is dropped.
 *
 * The body's last byte is held back until the stream has delivered its end, and taken a microtask
 * later, so that Node does not end the stream's readable side: node:http2 reads once more straight
 * after it hears the end (`onStreamRead`), and that read ends the readable side when nothing is
 * left to read. A stream whose readable side has ended is destroyed the moment the stream closes
 * (`onStreamClose` in Node's lib/internal/http2/core.js); an answer that ends on its last DATA
 * frame closes the stream before Node hears that the frame was written, and Node then builds an
 * ERR_STREAM_DESTROYED, with its stack, that nobody sees: a few µs of every Connect call (README,
 * "Findings worth knowing"). With the readable side still open, Node ends it at the close and
 * destroys the stream once the write is done.
 */
export function readStreamBody(stream: Readable, headers: http2.IncomingHttpHeaders, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const refused = refusedAtOnce(stream, headers, maxBytes);
    if (refused !== undefined) return reject(refused);
    const state = (stream as unknown as ReadableWithState)._readableState;
    const pieces: Buffer[] = [];
    let received = 0;
    let stopped = false;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      stream.off("readable", onReadable);
      stream.off("error", onError);
      stream.off("close", onClose);
      stream.on("error", ignore);
    };
    const onError = (error: unknown): void => {
      stop();
      reject(error);
    };
    const onClose = (): void => onError(new RequestBodyError("caller_left"));
    /** Takes `bytes` of what the stream holds; false once the body is too large. */
    const take = (bytes: number): boolean => {
      if (bytes <= 0) return true;
      received += bytes;
      if (received > maxBytes) {
        onError(new RequestBodyError("too_large"));
        stream.resume();
        return false;
      }
      pieces.push(stream.read(bytes) as Buffer);
      return true;
    };
    const finish = (): void => {
      if (take(stream.readableLength)) resolve(joined(pieces, received));
    };
    const onReadable = (): void => {
      if (!state.ended) {
        take(stream.readableLength - 1);
        return;
      }
      stop();
      queueMicrotask(finish);
    };
    // A stream can have ended before it is handed over: its HEADERS ended it, or its whole body came
    // in the read that brought them. Read at once: on a stream that ended empty, a 'readable'
    // listener would make Node end the readable side without ever emitting 'readable'.
    if (state.ended) {
      stop();
      finish();
      return;
    }
    stream.on("readable", onReadable);
    stream.on("error", onError);
    stream.on("close", onClose);
  });
}

/** What Node's Readable knows and does not expose: that the end has arrived, before 'end' is emitted. */
interface ReadableWithState {
  readonly _readableState: { readonly ended: boolean };
}

// Without it readStreamBody would wait for every body forever: better that the gateway not start.
if (typeof (new PassThrough() as unknown as Partial<ReadableWithState>)._readableState?.ended !== "boolean") {
  throw new Error("readStreamBody needs Readable's _readableState.ended, which this Node.js does not have.");
}

/** The error a body is refused with before any of it is read, if it is. */
function refusedAtOnce(req: Readable, headers: http.IncomingHttpHeaders | http2.IncomingHttpHeaders, maxBytes: number): RequestBodyError | undefined {
  const declared = Number(headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) return new RequestBodyError("too_large");
  // Destroyed without an error (the caller went away): the end never comes.
  if (req.destroyed) return new RequestBodyError("caller_left");
  return undefined;
}

function joined(pieces: Buffer[], length: number): Buffer {
  return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, length);
}

function ignore(): void {}
