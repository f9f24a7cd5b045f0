import type * as http from "node:http";
import type * as http2 from "node:http2";

/** A request from either Node server the one-port listener runs. */
export type HttpRequest = http.IncomingMessage | http2.Http2ServerRequest;

/**
 * A response of either Node server. The two write() signatures differ only in types, so they are
 * declared once here (as connect-node does) to be callable on the union.
 */
export type HttpResponse = (Omit<http.ServerResponse, "write" | "writeHead"> | Omit<http2.Http2ServerResponse, "write" | "writeHead">) & {
  write(chunk: string | Uint8Array, callback?: (error: Error | null | undefined) => void): boolean;
  writeHead(status: number, headers?: http.OutgoingHttpHeaders): unknown;
};

/**
 * A response of the one-port server, which takes headers for its head with `stampHeader`, cheaper
 * than setHeader; whoever writes the head must not give the same names.
 */
export type StampableResponse = HttpResponse & { stampHeader(name: string, value: string): void };
