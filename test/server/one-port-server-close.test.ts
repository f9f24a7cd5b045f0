import * as http from "node:http";
import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { OnePortServer, type RequestHandler } from "../../src/server/one-port-server.js";
import {
  collect,
  connectH2c,
  echo,
  holdingHandler,
  http1Request,
  http2Request,
  rawConnect,
  sleep,
  startServer,
  stopAll,
  track,
  waitFor,
} from "./server-test-support.js";

afterEach(stopAll);

/** Resolves to the error code of a fresh TCP connection attempt, or "connected". */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe("OnePortServer.close", () => {
  it("waits for an in-flight HTTP/1.1 request to finish and refuses new connections meanwhile", async () => {
    const hold = holdingHandler();
    const { server, port } = await startServer(hold.handler);
    const reply = http1Request(port, "/hold/slow");
    await waitFor("the slow request", () => hold.held() === 1);

    let closed = false;
    const closing = server.close(10_000).then(() => (closed = true));
    expect(await tryConnect(port)).toBe("ECONNREFUSED");
    await sleep(100);
    expect(closed).toBe(false);
    expect(server.inFlightRequests).toBe(1);

    hold.release();
    const finished = await reply;
    expect(finished.body).toBe("1.1 GET /hold/slow");
    await closing;
    expect(server.inFlightRequests).toBe(0);
  });

  it("closes idle HTTP/1.1 keep-alive connections at once while a busy one finishes", async () => {
    const hold = holdingHandler();
    const { server, port } = await startServer(hold.handler, { keepAliveTimeoutMs: 60_000 });
    const idle = await rawConnect(port);
    const idleReceived = collect(idle);
    idle.write("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
    await waitFor("the idle connection's response", () => idleReceived.text().endsWith("1.1 GET /first"));
    const busy = http1Request(port, "/hold/busy");
    await waitFor("the busy request", () => hold.held() === 1);

    const closing = server.close(10_000);
    // Well before the keep-alive timeout, and while the other request is still held.
    await idleReceived.closed;
    expect(hold.held()).toBe(1);
    hold.release();
    expect((await busy).body).toBe("1.1 GET /hold/busy");
    await closing;
  });

  it("answers 503 with Connection: close to a request that arrives on a busy HTTP/1.1 connection after close began", async () => {
    const hold = holdingHandler();
    const { server, port } = await startServer(hold.handler);
    const socket = await rawConnect(port);
    const received = collect(socket);
    socket.write("GET /hold/first HTTP/1.1\r\nHost: x\r\n\r\n");
    await waitFor("the first request", () => hold.held() === 1);

    const closing = server.close(10_000);
    socket.write("GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
    await waitFor("the second request to be counted", () => server.inFlightRequests === 2);
    hold.release();
    await received.closed;
    await closing;

    const text = received.text();
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*1\.1 GET \/hold\/first/);
    const second = text.slice(text.indexOf("1.1 GET /hold/first") + "1.1 GET /hold/first".length);
    expect(second).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(second.toLowerCase()).toContain("connection: close\r\n");
    expect(second).not.toContain("/second");
  });

  it("sends GOAWAY to HTTP/2 sessions, finishes their open streams and refuses new ones", async () => {
    const hold = holdingHandler();
    const { server, port } = await startServer(hold.handler);
    const session = connectH2c(port);
    const open = http2Request(session, "/hold/stream");
    await waitFor("the open stream", () => hold.held() === 1);
    const goaway = new Promise<number>((resolve) => session.once("goaway", (code: number) => resolve(code)));

    const closing = server.close(10_000);
    expect(await goaway).toBe(0);
    await expect(http2Request(session, "/after-goaway")).rejects.toThrow();
    hold.release();
    expect((await open).body).toBe("2.0 GET /hold/stream");
    await closing;
    expect(server.inFlightRequests).toBe(0);
  });

  it("destroys connections that are still identifying their protocol at once", async () => {
    const { server, port } = await startServer(echo, { prefaceTimeoutMs: 60_000 });
    const silent = collect(await rawConnect(port));
    await sleep(20);
    const startedAt = performance.now();
    await server.close(10_000);
    await silent.closed;
    expect(performance.now() - startedAt).toBeLessThan(1_000);
  });

  it("destroys requests that outlive graceMs and then resolves", async () => {
    const never: RequestHandler = () => {};
    const { server, port } = await startServer(never);
    const session = connectH2c(port);
    const h1 = http1Request(port, "/forever").then(
      () => "answered",
      (error: NodeJS.ErrnoException) => error.code ?? error.message,
    );
    const h2 = http2Request(session, "/forever").then(
      () => "answered",
      () => "failed",
    );
    await waitFor("both requests", () => server.inFlightRequests === 2);

    const startedAt = performance.now();
    await server.close(200);
    const tookMs = performance.now() - startedAt;
    expect(tookMs).toBeGreaterThanOrEqual(190);
    expect(tookMs).toBeLessThan(2_000);
    expect(server.inFlightRequests).toBe(0);
    expect(await h1).toBe("ECONNRESET");
    expect(await h2).toBe("failed");
  });

  it("returns the same promise to a second close() call", async () => {
    const { server } = await startServer();
    const first = server.close(0);
    expect(server.close(5_000)).toBe(first);
    await first;
  });

  it("closes once listen() has settled when called during listen()", async () => {
    const server = new OnePortServer(echo);
    const listening = server.listen(0, "127.0.0.1");
    const closing = server.close(0);
    const address = await listening;
    await closing;
    expect(server.address).toBeUndefined();
    expect(await tryConnect(address.port)).toBe("ECONNREFUSED");
  });

  it("keeps an idle HTTP/1.1 agent socket from delaying close", async () => {
    const { server, port } = await startServer(echo, { keepAliveTimeoutMs: 60_000 });
    const agent = track(new http.Agent({ keepAlive: true }));
    await http1Request(port, "/warm", { agent });
    const startedAt = performance.now();
    await server.close(10_000);
    expect(performance.now() - startedAt).toBeLessThan(1_000);
  });
});
