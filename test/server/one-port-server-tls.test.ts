import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as http2 from "node:http2";
import * as https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tls from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  collect,
  holdingHandler,
  rawConnect,
  sleep,
  startServer,
  stopAll,
  track,
  waitFor,
  type Reply,
} from "./server-test-support.js";

// The certificate is made at test time so no key is committed; without the openssl CLI these tests
// are skipped (reported by vitest as skipped, not passed).
const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;

let dir = "";
let cert = "";
let key = "";

beforeAll(() => {
  if (!hasOpenssl) return;
  dir = mkdtempSync(join(tmpdir(), "one-port-tls-"));
  const result = spawnSync(
    "openssl",
    [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
    ],
    { encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`openssl failed: ${result.stderr}`);
  cert = readFileSync(join(dir, "cert.pem"), "utf8");
  key = readFileSync(join(dir, "key.pem"), "utf8");
});

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

afterEach(stopAll);

/** A TLS connection offering exactly `protocols` by ALPN, verified against the test certificate. */
async function tlsConnect(port: number, protocols: string[]): Promise<tls.TLSSocket> {
  const socket = track(tls.connect({ host: "127.0.0.1", port, ca: cert, ALPNProtocols: protocols }));
  socket.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once("secureConnect", resolve);
    socket.once("error", reject);
  });
  return socket;
}

function httpsGet(port: number, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: "127.0.0.1", port, path, ca: cert, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
  });
}

describe.skipIf(!hasOpenssl)("OnePortServer with TLS", () => {
  it("stamps headers for the head over HTTP/1.1 and HTTP/2 alike", async () => {
    const { port } = await startServer(
      (req, res) => {
        res.stampHeader("x-request-id", "id-1");
        res.writeHead(200, { "content-type": "text/plain" });
        res.end(req.httpVersion);
      },
      { tls: { cert, key } },
    );
    const h1 = await httpsGet(port, "/");
    expect([h1.body, h1.headers["x-request-id"]]).toEqual(["1.1", "id-1"]);
    const session = track(http2.connect(`https://127.0.0.1:${port}`, { ca: cert }));
    session.on("error", () => {});
    const h2 = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
      const stream = session.request({ ":path": "/" });
      stream.on("response", resolve);
      stream.on("error", reject);
      stream.resume();
    });
    expect(h2["x-request-id"]).toBe("id-1");
  });

  it("negotiates h2 by ALPN and serves HTTP/2", async () => {
    const { port } = await startServer(undefined, { tls: { cert, key } });
    const session = track(http2.connect(`https://127.0.0.1:${port}`, { ca: cert }));
    session.on("error", () => {});
    const alpn = await new Promise<string | false | null>((resolve) =>
      session.once("connect", () => resolve((session.socket as tls.TLSSocket).alpnProtocol)),
    );
    expect(alpn).toBe("h2");
    const body = await new Promise<string>((resolve, reject) => {
      const stream = session.request({ ":path": "/secure" });
      let text = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => (text += chunk));
      stream.on("end", () => resolve(text));
      stream.on("error", reject);
    });
    expect(body).toBe("2.0 GET /secure");
  });

  it("offers h2 streams to the stream handler first, and leaves HTTP/1.1 to the request handler", async () => {
    const { port } = await startServer(undefined, { tls: { cert, key } }, (stream, headers) => {
      if (headers[":path"] !== "/taken") return false;
      stream.respond({ ":status": 200 });
      stream.end("stream");
      return true;
    });
    const session = track(http2.connect(`https://127.0.0.1:${port}`, { ca: cert }));
    session.on("error", () => {});
    const get = (path: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const stream = session.request({ ":path": path });
        let text = "";
        stream.setEncoding("utf8");
        stream.on("data", (chunk: string) => (text += chunk));
        stream.on("end", () => resolve(text));
        stream.on("error", reject);
      });
    expect([await get("/taken"), await get("/left")]).toEqual(["stream", "2.0 GET /left"]);
    expect((await httpsGet(port, "/taken")).body).toBe("1.1 GET /taken");
  });

  it("negotiates http/1.1 by ALPN and serves HTTP/1.1 on the same port", async () => {
    const { port } = await startServer(undefined, { tls: { cert, key } });
    const socket = await tlsConnect(port, ["http/1.1"]);
    expect(socket.alpnProtocol).toBe("http/1.1");
    const received = collect(socket);
    socket.write("GET /secure-h1 HTTP/1.1\r\nHost: x\r\n\r\n");
    await waitFor("the response", () => received.text().endsWith("1.1 GET /secure-h1"));
    expect(received.text()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });

  it("serves HTTP/1.1 to a TLS client that offers no ALPN at all", async () => {
    const { port } = await startServer(undefined, { tls: { cert, key } });
    expect((await httpsGet(port, "/no-alpn")).body).toBe("1.1 GET /no-alpn");
  });

  it("closes an idle HTTP/1.1-over-TLS keep-alive connection after keepAliveTimeoutMs", async () => {
    // Node's Http2SecureServer sets no keep-alive timeout of its own; this pins that ours reaches it.
    const { port } = await startServer(undefined, { tls: { cert, key }, keepAliveTimeoutMs: 100 });
    const socket = await tlsConnect(port, ["http/1.1"]);
    const received = collect(socket);
    socket.write("GET /once HTTP/1.1\r\nHost: x\r\n\r\n");
    await waitFor("the response", () => received.text().endsWith("1.1 GET /once"));
    expect(await received.closed).toBeLessThan(3_000);
  });

  it("destroys a connection that does not complete its TLS handshake within prefaceTimeoutMs", async () => {
    const { port } = await startServer(undefined, { tls: { cert, key }, prefaceTimeoutMs: 150 });
    const socket = await rawConnect(port);
    const received = collect(socket);
    socket.write(Buffer.from([0x16, 0x03, 0x01])); // the start of a ClientHello, then silence
    const closedAfterMs = await received.closed;
    expect(closedAfterMs).toBeGreaterThanOrEqual(140);
    expect(closedAfterMs).toBeLessThan(2_000);
  });

  it("drains both protocols over TLS on close", async () => {
    const hold = holdingHandler();
    const { server, port } = await startServer(hold.handler, { tls: { cert, key } });
    const session = track(http2.connect(`https://127.0.0.1:${port}`, { ca: cert }));
    session.on("error", () => {});
    const h2Body = new Promise<string>((resolve, reject) => {
      const stream = session.request({ ":path": "/hold/h2" });
      let text = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => (text += chunk));
      stream.on("end", () => resolve(text));
      stream.on("error", reject);
    });
    const h1 = await tlsConnect(port, ["http/1.1"]);
    const h1Received = collect(h1);
    h1.write("GET /hold/h1 HTTP/1.1\r\nHost: x\r\n\r\n");
    await waitFor("both requests", () => hold.held() === 2);

    const closing = server.close(10_000);
    await sleep(50);
    expect(server.inFlightRequests).toBe(2);
    hold.release();
    expect(await h2Body).toBe("2.0 GET /hold/h2");
    await h1Received.closed;
    expect(h1Received.text().endsWith("1.1 GET /hold/h1")).toBe(true);
    await closing;
  });
});
