import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { HTTP2_PREFACE } from "../../src/server/http2-preface.js";
import { sniffCleartextProtocol, type CleartextProtocol } from "../../src/server/sniff-cleartext-protocol.js";
import { rawConnect, sleep, stopAll, waitFor, writeByteByByte } from "./server-test-support.js";

const servers: net.Server[] = [];

afterEach(async () => {
  await stopAll();
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

interface Sniffed {
  protocol: CleartextProtocol | undefined;
  /** Everything readable from the server-side socket after it was handed over. */
  replayed(): Buffer;
  serverSideClosed: Promise<number>;
}

/** A listener that sniffs each connection, then resumes it and records every byte it can read. */
async function sniffingServer(timeoutMs: number): Promise<{ port: number; next: Promise<Sniffed> }> {
  let deliver: (sniffed: Sniffed) => void = () => {};
  const next = new Promise<Sniffed>((resolve) => (deliver = resolve));
  const server = net.createServer((socket) => {
    const acceptedAt = performance.now();
    const chunks: Buffer[] = [];
    const sniffed: Sniffed = {
      protocol: undefined,
      replayed: () => Buffer.concat(chunks),
      serverSideClosed: new Promise((resolve) => socket.once("close", () => resolve(performance.now() - acceptedAt))),
    };
    socket.on("error", () => {});
    sniffCleartextProtocol(socket, timeoutMs, (handed, protocol) => {
      sniffed.protocol = protocol;
      handed.on("data", (chunk: Buffer) => chunks.push(chunk));
      handed.resume();
    });
    deliver(sniffed);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as net.AddressInfo).port, next };
}

describe("sniffCleartextProtocol", () => {
  it("identifies h2c only after the 24th preface byte and puts every byte back", async () => {
    const { port, next } = await sniffingServer(5_000);
    const client = await rawConnect(port);
    const sniffed = await next;
    await writeByteByByte(client, HTTP2_PREFACE.subarray(0, 23));
    await sleep(30);
    expect(sniffed.protocol).toBeUndefined();
    client.write(Buffer.concat([HTTP2_PREFACE.subarray(23), Buffer.from("after")]));
    await waitFor("identification", () => sniffed.protocol !== undefined);
    expect(sniffed.protocol).toBe("h2c");
    await waitFor("the replayed bytes", () => sniffed.replayed().length === 29);
    expect(sniffed.replayed().toString("latin1")).toBe(`${HTTP2_PREFACE.toString("latin1")}after`);
  });

  it("identifies HTTP/1 as soon as a byte diverges and puts those bytes back", async () => {
    const { port, next } = await sniffingServer(5_000);
    const client = await rawConnect(port);
    const sniffed = await next;
    client.write("P");
    await sleep(30);
    expect(sniffed.protocol).toBeUndefined();
    client.write("OST / HTTP/1.1\r\n");
    await waitFor("identification", () => sniffed.protocol !== undefined);
    expect(sniffed.protocol).toBe("http1");
    await waitFor("the replayed bytes", () => sniffed.replayed().toString("latin1") === "POST / HTTP/1.1\r\n");
  });

  it("destroys a connection that stays silent for the timeout", async () => {
    const { port, next } = await sniffingServer(100);
    await rawConnect(port);
    const sniffed = await next;
    const closedAfterMs = await sniffed.serverSideClosed;
    expect(closedAfterMs).toBeGreaterThanOrEqual(90);
    expect(sniffed.protocol).toBeUndefined();
  });

  it("destroys a connection that ends before identifying itself", async () => {
    const { port, next } = await sniffingServer(60_000);
    const client = await rawConnect(port);
    const sniffed = await next;
    client.end("PRI");
    const closedAfterMs = await sniffed.serverSideClosed;
    expect(closedAfterMs).toBeLessThan(1_000);
    expect(sniffed.protocol).toBeUndefined();
  });
});
