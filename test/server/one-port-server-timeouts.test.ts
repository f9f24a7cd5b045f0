import type * as http2 from "node:http2";
import { afterEach, describe, expect, it } from "vitest";
import type { RequestHandler } from "../../src/server/one-port-server.js";
import {
  collect,
  connectH2c,
  echo,
  http2Request,
  rawConnect,
  sleep,
  startServer,
  stopAll,
  waitFor,
} from "./server-test-support.js";

afterEach(stopAll);

describe("OnePortServer timeouts", () => {
  it("destroys a connection that sends nothing within prefaceTimeoutMs", async () => {
    const { port } = await startServer(echo, { prefaceTimeoutMs: 150 });
    const received = collect(await rawConnect(port));
    const closedAfterMs = await received.closed;
    expect(closedAfterMs).toBeGreaterThanOrEqual(140);
    expect(closedAfterMs).toBeLessThan(2_000);
    expect(received.text()).toBe("");
  });

  it("destroys a connection that trickles part of the HTTP/2 preface and stops", async () => {
    const { port } = await startServer(echo, { prefaceTimeoutMs: 150 });
    const socket = await rawConnect(port);
    const received = collect(socket);
    socket.write("PRI * HTTP/2.0\r\n");
    const closedAfterMs = await received.closed;
    expect(closedAfterMs).toBeGreaterThanOrEqual(140);
    expect(closedAfterMs).toBeLessThan(2_000);
  });

  it("answers 408 and closes an HTTP/1.1 connection whose headers stall past headersTimeoutMs", async () => {
    const { port } = await startServer(echo, { headersTimeoutMs: 200 });
    const socket = await rawConnect(port);
    const received = collect(socket);
    // Past the preface check (so this is Node's HTTP/1 parser's deadline), but never the blank line.
    socket.write("GET /stall HTTP/1.1\r\nHost: x\r\n");
    const closedAfterMs = await received.closed;
    expect(received.text()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(closedAfterMs).toBeLessThan(3_000);
  });

  it("closes an idle HTTP/1.1 keep-alive connection after keepAliveTimeoutMs", async () => {
    const { port } = await startServer(echo, { keepAliveTimeoutMs: 100 });
    const socket = await rawConnect(port);
    const received = collect(socket);
    socket.write("GET /once HTTP/1.1\r\nHost: x\r\n\r\n");
    await waitFor("the response", () => received.text().endsWith("1.1 GET /once"));
    // Node closes one second after the advertised timeout (see keepAliveTimeoutMs); with Node's
    // default of 5 s this would take 6.
    const closedAfterMs = await received.closed;
    expect(closedAfterMs).toBeGreaterThanOrEqual(1_000);
    expect(closedAfterMs).toBeLessThan(3_000);
  });

  it("keeps an HTTP/2 session open through quiet periods while a request is in flight, and closes it once idle", async () => {
    let finish: () => void = () => {};
    const handler: RequestHandler = (req, res) => {
      if (req.url === "/slow") finish = () => echo(req, res);
      else echo(req, res);
    };
    const { server, port } = await startServer(handler, { http2IdleTimeoutMs: 100 });
    const session = connectH2c(port);
    const goaway = new Promise<number>((resolve) => session.once("goaway", (code: number) => resolve(code)));
    let goneAway = false;
    void goaway.then(() => (goneAway = true));

    const slow = http2Request(session, "/slow");
    await waitFor("the slow request", () => server.inFlightRequests === 1);
    // Several idle periods without a frame; the in-flight request keeps the session.
    await sleep(450);
    expect(goneAway).toBe(false);
    expect((await http2Request(session, "/still-open")).body).toBe("2.0 GET /still-open");
    finish();
    expect((await slow).body).toBe("2.0 GET /slow");

    expect(await goaway).toBe(0);
    await new Promise<void>((resolve) => (session.closed ? resolve() : session.once("close", resolve)));
  });
});

describe("OnePortServer HTTP/2 idle timeout", () => {
  it("closes a session that never opens a stream after http2IdleTimeoutMs", async () => {
    const { port } = await startServer(echo, { http2IdleTimeoutMs: 100 });
    const session: http2.ClientHttp2Session = connectH2c(port);
    const startedAt = performance.now();
    await new Promise<void>((resolve) => session.once("close", resolve));
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(90);
  });

});
