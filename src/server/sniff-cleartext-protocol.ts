import type * as net from "node:net";
import { HTTP2_PREFACE, PREFACE_DIVERGED, matchHttp2Preface } from "./http2-preface.js";

/** What a cleartext connection speaks: HTTP/2 by prior knowledge (h2c), or HTTP/1.x. */
export type CleartextProtocol = "h2c" | "http1";

/**
 * Reads a fresh cleartext connection's first bytes until they either diverge from the HTTP/2
 * preface or match all of it, puts those bytes back (`socket.unshift`) and calls `onIdentified`, so
 * the chosen server parses the connection from its first byte.
 *
 * Needed because Node 20's `http2.createServer` ignores `allowHTTP1`: one cleartext port for both
 * protocols has to look before it hands over.
 *
 * A connection that has not identified itself within `timeoutMs` (silent, or trickling a prefix of
 * the preface) or that ends first is destroyed, so an idle client cannot hold a socket forever.
 * `onIdentified` is never called for a destroyed socket.
 *
 * The socket is handed over paused, with the bytes already read at the front of its buffer: the
 * http2 session drains that buffer itself on its first tick (nodejs/node#35475); the HTTP/1 server
 * needs `socket.resume()` after it has attached (see `OnePortServer`).
 */
export function sniffCleartextProtocol(
  socket: net.Socket,
  timeoutMs: number,
  onIdentified: (socket: net.Socket, protocol: CleartextProtocol) => void,
): void {
  // Almost every connection decides on its first chunk, so `head` is usually that chunk as is;
  // only a client trickling bytes pays for concatenation.
  let head: Buffer | undefined;
  let matched = 0;

  const giveUp = (): void => {
    socket.destroy();
  };
  const timer = setTimeout(giveUp, timeoutMs);

  const stopSniffing = (): void => {
    clearTimeout(timer);
    socket.removeListener("data", onData);
    socket.removeListener("end", giveUp);
    socket.removeListener("close", stopSniffing);
  };

  const onData = (chunk: Buffer): void => {
    head = head === undefined ? chunk : Buffer.concat([head, chunk]);
    matched = matchHttp2Preface(chunk, matched);
    if (matched !== PREFACE_DIVERGED && matched < HTTP2_PREFACE.length) return;
    stopSniffing();
    // Pause before unshifting: a flowing socket with no 'data' listener would emit (and lose) the
    // bytes we put back before the next owner attaches.
    socket.pause();
    socket.unshift(head);
    onIdentified(socket, matched === PREFACE_DIVERGED ? "http1" : "h2c");
  };

  socket.on("data", onData);
  socket.on("end", giveUp);
  socket.on("close", stopSniffing);
}
