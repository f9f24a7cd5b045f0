import { Code, ConnectError } from "@connectrpc/connect";
import type * as http from "node:http";
import * as http2 from "node:http2";
import { GatewayError } from "../errors/index.js";
import { PlainHeaders } from "./plain-headers.js";

// What both RPC paths (Connect's handlers and the binary path) share about Node's requests and responses.

export type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;

/** Where a response's body goes: a response, or (on the binary path) the HTTP/2 stream itself. */
type ResponseBody = NodeResponse | http2.ServerHttp2Stream;

const { constants } = http2;

/** The HTTP/2 reset codes that end a call with an error, as connect-node maps them; the others end it with a plain abort. */
const RESET_CODES: ReadonlyMap<number, readonly [name: string, code: Code]> = new Map([
  [constants.NGHTTP2_PROTOCOL_ERROR, ["PROTOCOL_ERROR", Code.Internal]],
  [constants.NGHTTP2_INTERNAL_ERROR, ["INTERNAL_ERROR", Code.Internal]],
  [constants.NGHTTP2_FLOW_CONTROL_ERROR, ["FLOW_CONTROL_ERROR", Code.Internal]],
  [constants.NGHTTP2_SETTINGS_TIMEOUT, ["SETTINGS_TIMEOUT", Code.Internal]],
  [constants.NGHTTP2_FRAME_SIZE_ERROR, ["FRAME_SIZE_ERROR", Code.Internal]],
  [constants.NGHTTP2_COMPRESSION_ERROR, ["COMPRESSION_ERROR", Code.Internal]],
  [constants.NGHTTP2_CONNECT_ERROR, ["CONNECT_ERROR", Code.Internal]],
  [constants.NGHTTP2_REFUSED_STREAM, ["REFUSED_STREAM", Code.Unavailable]],
  [constants.NGHTTP2_CANCEL, ["CANCEL", Code.Canceled]],
  [constants.NGHTTP2_ENHANCE_YOUR_CALM, ["ENHANCE_YOUR_CALM", Code.ResourceExhausted]],
  [constants.NGHTTP2_INADEQUATE_SECURITY, ["INADEQUATE_SECURITY", Code.PermissionDenied]],
  [constants.NGHTTP2_HTTP_1_1_REQUIRED, ["HTTP_1_1_REQUIRED", Code.PermissionDenied]],
]);

function resetError(rstCode: number): ConnectError | undefined {
  const known = RESET_CODES.get(rstCode);
  if (known === undefined) return undefined;
  const [name, code] = known;
  return new ConnectError(`http/2 stream closed with error code ${name} (0x${rstCode.toString(16)})`, code);
}

/**
 * Aborts `controller` when an HTTP/2 call's stream closes before its response has ended: with the
 * error its reset code names, else plainly. Once the response has ended the call is over and
 * nothing listens to the signal any more.
 */
export function abortWhenClientLeaves(
  req: http2.Http2ServerRequest,
  res: http2.Http2ServerResponse,
  controller: { abort(reason?: unknown): void },
): void {
  abortWhenStreamCloses(req.stream, () => res.writableEnded, controller);
}

/**
 * abortWhenClientLeaves for a call answered on the stream itself. `responseEnded` says whether the
 * call ended its response: a stream's own writableEnded is set by a reset too.
 */
export function abortWhenStreamCloses(
  stream: http2.ServerHttp2Stream,
  responseEnded: () => boolean,
  controller: { abort(reason?: unknown): void },
): void {
  stream.once("close", () => {
    if (responseEnded()) return;
    const error = resetError(stream.rstCode);
    if (error === undefined) controller.abort();
    else controller.abort(error);
  });
}

/** Undefined when the response took the chunk at once; else settles once it drains or fails. */
export function write(res: ResponseBody, chunk: Uint8Array): Promise<void> | undefined {
  const errored = "errored" in res ? res.errored : null;
  if (errored !== null) return Promise.reject(errored);
  let failed: ((error: Error) => void) | undefined;
  const flushed = (res as http.ServerResponse).write(chunk, (error) => {
    if (error !== null && error !== undefined) failed?.(error);
  });
  if (flushed) return undefined;
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: Error): void => {
      res.off("error", settle);
      res.off("drain", settle);
      if (error === undefined) resolve();
      else reject(error);
    };
    failed = (error) => {
      settle(error);
      // The stream emits this error too once the write has failed; it is answered already.
      res.once("error", ignore);
    };
    res.once("error", settle);
    res.once("drain", settle);
  });
}

/** Headers as Node's response methods take them; header order means nothing to HTTP/2, so a PlainHeaders skips sorting. */
export function nodeHeaders(headers: Headers): http.OutgoingHttpHeaders {
  if (headers instanceof PlainHeaders) return headers.toNode();
  const result: http.OutgoingHttpHeaders = Object.create(null);
  headers.forEach((value, name) => {
    const existing = result[name];
    if (existing === undefined) result[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else result[name] = [String(existing), value];
  });
  return result;
}

/** Node's error codes of a stream the client closed or reset, which connect-node answers as Aborted. */
const CLIENT_GONE_CODES: ReadonlySet<string> = new Set(["ERR_STREAM_WRITE_AFTER_END", "ERR_STREAM_DESTROYED", "ERR_HTTP2_INVALID_STREAM", "ECONNRESET"]);

/** Whether a call failed because its client went away: connectNodeAdapter does not log those. */
export function endedByClient(reason: unknown): boolean {
  if (reason instanceof ConnectError) return reason.code === Code.Aborted;
  const seen = new Set<unknown>();
  for (let error = reason; error instanceof Error && !seen.has(error); error = error.cause) {
    seen.add(error);
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && CLIENT_GONE_CODES.has(code)) return true;
  }
  return false;
}

export function callerLeft(cause: unknown): GatewayError {
  return new GatewayError("request_canceled", "The caller went away while the answer was being written.", { cause });
}

export function ignore(): void {}
