import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { OnePortServer, type RequestHandler, type StreamHandler } from "../../src/server/one-port-server.js";
import type { OnePortServerOptions } from "../../src/server/one-port-server-options.js";

/** Answers every request with "<httpVersion> <method> <url>", so a test sees which protocol carried it. */
export const echo: RequestHandler = (req, res) => {
  res.end(`${req.httpVersion} ${req.method} ${req.url}`);
};

const running = new Set<OnePortServer>();
const clients = new Set<{ destroy(): void }>();

/** Starts a server on 127.0.0.1, port 0; `stopAll()` (in afterEach) closes it. */
export async function startServer(
  handler: RequestHandler = echo,
  options?: OnePortServerOptions,
  streamHandler?: StreamHandler,
): Promise<{ server: OnePortServer; port: number }> {
  const server = new OnePortServer(handler, options, streamHandler);
  running.add(server);
  const address = await server.listen(0, "127.0.0.1");
  return { server, port: address.port };
}

/** Registers a client-side socket, session or agent for `stopAll()` to destroy. */
export function track<T extends { destroy(): void }>(client: T): T {
  clients.add(client);
  return client;
}

export async function stopAll(): Promise<void> {
  for (const client of clients) client.destroy();
  clients.clear();
  await Promise.all([...running].map((server) => server.close(0)));
  running.clear();
}

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export function http1Request(
  port: number,
  path: string,
  options: { agent?: http.Agent; method?: string; onSocket?: (socket: net.Socket) => void } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, path, method: options.method ?? "GET", agent: options.agent ?? false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", reject);
      },
    );
    if (options.onSocket !== undefined) req.on("socket", options.onSocket);
    req.on("error", reject);
    req.end();
  });
}

export function http2Request(session: http2.ClientHttp2Session, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":path": path });
    let status = 0;
    let headers: http.IncomingHttpHeaders = {};
    let body = "";
    stream.setEncoding("utf8");
    stream.on("response", (h) => {
      status = Number(h[":status"]);
      headers = h;
    });
    stream.on("data", (chunk: string) => (body += chunk));
    stream.on("end", () => {
      // A stream cut off by its session ends without ever having had a response.
      if (status === 0) reject(new Error(`stream for ${path} ended without a response`));
      else resolve({ status, headers, body });
    });
    stream.on("close", () => reject(new Error(`stream for ${path} closed (code ${stream.rstCode})`)));
    stream.on("error", reject);
  });
}

export function connectH2c(port: number): http2.ClientHttp2Session {
  const session = track(http2.connect(`http://127.0.0.1:${port}`));
  // A test that expects the session to fail asserts on its requests; the session's own 'error'
  // must not become an uncaught exception.
  session.on("error", () => {});
  return session;
}

/** A raw TCP connection with Nagle off, so small writes leave as separate segments. */
export async function rawConnect(port: number): Promise<net.Socket> {
  const socket = track(net.connect(port, "127.0.0.1"));
  socket.setNoDelay(true);
  socket.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return socket;
}

/** Everything a raw socket receives, readable at any time, plus a promise of its close. */
export function collect(socket: net.Socket): { text(): string; closed: Promise<number> } {
  let received = "";
  socket.setEncoding("latin1");
  socket.on("data", (chunk: string) => (received += chunk));
  const openedAt = performance.now();
  const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(performance.now() - openedAt)));
  return { text: () => received, closed };
}

/** Writes `bytes` one byte per write, pausing between them so they do not coalesce. */
export async function writeByteByByte(socket: net.Socket, bytes: string | Buffer, pauseMs = 3): Promise<void> {
  const buffer = typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes;
  for (let i = 0; i < buffer.length; i++) {
    socket.write(buffer.subarray(i, i + 1));
    await sleep(pauseMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `condition` holds; rejects after `timeoutMs` with `what` in the message. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * A handler that answers "/hold/..." only when the test calls `release()`, and everything else at once
 * like `echo`. `held` counts requests that reached it.
 */
export function holdingHandler(): { handler: RequestHandler; release(): void; held(): number } {
  let held = 0;
  let releaseAll: () => void = () => {};
  const released = new Promise<void>((resolve) => (releaseAll = resolve));
  const handler: RequestHandler = (req, res) => {
    if (req.url?.startsWith("/hold") !== true) {
      echo(req, res);
      return;
    }
    held++;
    void released.then(() => echo(req, res));
  };
  return { handler, release: () => releaseAll(), held: () => held };
}
