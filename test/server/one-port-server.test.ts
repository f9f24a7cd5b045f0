import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { Duplex } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { OnePortServer, type RequestHandler, type StreamHandler } from "../../src/server/one-port-server.js";
import { HTTP2_PREFACE } from "../../src/server/http2-preface.js";
import {
  collect,
  connectH2c,
  http1Request,
  http2Request,
  rawConnect,
  sleep,
  startServer,
  stopAll,
  track,
  waitFor,
  writeByteByByte,
} from "./server-test-support.js";

afterEach(stopAll);

describe("OnePortServer, cleartext", () => {
  it("answers HTTP/1.1 and reuses one keep-alive socket for several requests", async () => {
    const { port } = await startServer();
    const agent = track(new http.Agent({ keepAlive: true, maxSockets: 1 }));
    const sockets = new Set<net.Socket>();
    const bodies: string[] = [];
    for (const path of ["/a", "/b", "/c"]) {
      const reply = await http1Request(port, path, { agent, onSocket: (s) => sockets.add(s) });
      bodies.push(reply.body);
    }
    expect(bodies).toEqual(["1.1 GET /a", "1.1 GET /b", "1.1 GET /c"]);
    expect(sockets.size).toBe(1);
  });

  it("answers h2c by prior knowledge", async () => {
    const { port } = await startServer();
    const session = connectH2c(port);
    const reply = await http2Request(session, "/v1/models");
    expect(reply).toMatchObject({ status: 200, body: "2.0 GET /v1/models" });
  });

  it("serves an HTTP/1.1 request and an h2c request at the same time on the same port", async () => {
    const waiting: Array<() => void> = [];
    let inFlightWhenBothArrived = -1;
    let server: OnePortServer | undefined;
    // Each request waits for the other one, so neither finishes unless both are served concurrently.
    const handler: RequestHandler = (req, res) => {
      waiting.push(() => res.end(`${req.httpVersion} ${req.method} ${req.url}`));
      if (waiting.length === 2) {
        inFlightWhenBothArrived = server?.inFlightRequests ?? -1;
        for (const finish of waiting) finish();
      }
    };
    const started = await startServer(handler);
    server = started.server;
    const session = connectH2c(started.port);
    const [one, two] = await Promise.all([
      http1Request(started.port, "/together"),
      http2Request(session, "/together"),
    ]);
    expect(one.body).toBe("1.1 GET /together");
    expect(two.body).toBe("2.0 GET /together");
    expect(inFlightWhenBothArrived).toBe(2);
    await waitFor("responses to close", () => server?.inFlightRequests === 0);
  });

  it("answers an HTTP/1.1 request that arrives one byte at a time", async () => {
    const { port } = await startServer();
    const socket = await rawConnect(port);
    const received = collect(socket);
    // "POST" shares its first byte with the HTTP/2 preface, so the server cannot decide on byte one.
    await writeByteByByte(socket, "POST /trickle HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    await waitFor("the response", () => received.text().includes("POST /trickle"));
    expect(received.text()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(received.text().endsWith("1.1 POST /trickle")).toBe(true);
  });

  it("serves an h2c session whose preface arrives one byte at a time", async () => {
    const { port } = await startServer();
    const socket = await rawConnect(port);
    const session = track(http2.connect(`http://127.0.0.1:${port}`, { createConnection: () => tricklePreface(socket) }));
    session.on("error", () => {});
    const reply = await http2Request(session, "/slowly");
    expect(reply).toMatchObject({ status: 200, body: "2.0 GET /slowly" });
  });

  it("answers bytes that are neither HTTP/2 nor HTTP/1 with 400 and closes the connection", async () => {
    const { port } = await startServer();
    const socket = await rawConnect(port);
    const received = collect(socket);
    socket.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]));
    await received.closed;
    expect(received.text()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  it("keeps serving after a client resets its connection mid-preface", async () => {
    const { port } = await startServer();
    const socket = await rawConnect(port);
    const received = collect(socket);
    socket.write("PRI * HTTP");
    await sleep(20);
    socket.resetAndDestroy();
    await received.closed;
    // An unhandled socket 'error' on the server side would fail this test as an uncaught exception.
    await sleep(50);
    expect((await http1Request(port, "/after-reset")).body).toBe("1.1 GET /after-reset");
  });

  it("counts in-flight requests per protocol and back to zero once responses close", async () => {
    const finishers: Array<() => void> = [];
    const handler: RequestHandler = (_req, res) => {
      finishers.push(() => res.end("done"));
    };
    const { server, port } = await startServer(handler);
    const session = connectH2c(port);
    const replies = Promise.all([
      http1Request(port, "/1"),
      http2Request(session, "/2"),
      http2Request(session, "/3"),
    ]);
    await waitFor("three requests", () => finishers.length === 3);
    expect(server.inFlightRequests).toBe(3);
    finishers[0]?.();
    await waitFor("one response to close", () => server.inFlightRequests === 2);
    for (const finish of finishers) finish();
    await replies;
    await waitFor("all responses to close", () => server.inFlightRequests === 0);
  });

  it("offers h2c streams to the stream handler first: it answers those it takes, the request handler the rest", async () => {
    const finishers: Array<() => void> = [];
    const streamHandler: StreamHandler = (stream, headers) => {
      if (headers[":path"] !== "/taken") return false;
      finishers.push(() => {
        stream.respond({ ":status": 200 });
        stream.end(`stream ${headers[":method"]} ${headers[":path"]}`);
      });
      return true;
    };
    const { server, port } = await startServer(undefined, undefined, streamHandler);
    const session = connectH2c(port);
    const taken = http2Request(session, "/taken");
    await waitFor("the stream handler to take it", () => finishers.length === 1);
    expect(server.inFlightRequests).toBe(1);
    expect(await http2Request(session, "/left")).toMatchObject({ status: 200, body: "2.0 GET /left" });
    expect((await http1Request(port, "/taken")).body).toBe("1.1 GET /taken");
    finishers[0]?.();
    expect(await taken).toMatchObject({ status: 200, body: "stream GET /taken" });
    await waitFor("the taken stream to close", () => server.inFlightRequests === 0);
  });

  it("advertises the configured HTTP/2 stream limit in its SETTINGS", async () => {
    const { port } = await startServer(undefined, { http2MaxConcurrentStreams: 1234 });
    const session = connectH2c(port);
    const settings = await new Promise<http2.Settings>((resolve) => session.once("remoteSettings", resolve));
    expect(settings.maxConcurrentStreams).toBe(1234);
  });
});

describe("OnePortServer lifecycle", () => {
  it("does not listen until listen() and reports the bound address afterwards", async () => {
    const server = new OnePortServer(() => {});
    expect(server.address).toBeUndefined();
    const address = await server.listen(0, "127.0.0.1");
    expect(address.port).toBeGreaterThan(0);
    expect(server.address).toEqual(address);
    await server.close(0);
    expect(server.address).toBeUndefined();
  });

  it("rejects a second listen()", async () => {
    const { server } = await startServer();
    await expect(server.listen(0, "127.0.0.1")).rejects.toThrow(/listening/);
  });

  it("rejects listen() on a port already in use and can listen elsewhere afterwards", async () => {
    const { port } = await startServer();
    const server = new OnePortServer(() => {});
    await expect(server.listen(port, "127.0.0.1")).rejects.toMatchObject({ code: "EADDRINUSE" });
    const address = await server.listen(0, "127.0.0.1");
    expect(address.port).not.toBe(port);
    await server.close(0);
  });

  it("closes a server that never listened", async () => {
    const server = new OnePortServer(() => {});
    await server.close();
    await expect(server.listen(0, "127.0.0.1")).rejects.toThrow(/closed/);
  });
});

/**
 * A client transport that sends the first HTTP/2_PREFACE.length bytes one byte per write, with a pause
 * between them, and everything after unchanged.
 */
function tricklePreface(socket: net.Socket): Duplex {
  let trickled = 0;
  const duplex = new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      void (async () => {
        let offset = 0;
        while (trickled < HTTP2_PREFACE.length && offset < chunk.length) {
          socket.write(chunk.subarray(offset, offset + 1));
          offset++;
          trickled++;
          await sleep(3);
        }
        if (offset < chunk.length) socket.write(chunk.subarray(offset));
        callback();
      })();
    },
    read() {},
    final(callback) {
      socket.end(callback);
    },
    destroy(error, callback) {
      socket.destroy();
      callback(error);
    },
  });
  socket.on("data", (data: Buffer) => duplex.push(data));
  socket.on("end", () => duplex.push(null));
  return duplex;
}
