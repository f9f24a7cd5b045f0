import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SseWriter } from "../../../src/bridge/openai/sse-writer.js";

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/**
 * A server whose one response is handed to the test, and the client's side of it, which arrives
 * once the head has been written.
 */
async function exchange(): Promise<{ res: ServerResponse; client: Promise<IncomingMessage> }> {
  let handed: (res: ServerResponse) => void = () => {};
  const answered = new Promise<ServerResponse>((resolve) => (handed = resolve));
  server = createServer((_req, res) => handed(res));
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const client = new Promise<IncomingMessage>((resolve) => request({ port, host: "127.0.0.1", method: "POST" }, resolve).end());
  return { res: await answered, client };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Sends 1 MiB events, the client reading none, until the writer asks to wait. */
async function fill(sse: SseWriter, client: Promise<IncomingMessage>): Promise<{ waiting: Promise<void> | undefined; response: IncomingMessage }> {
  const big = { text: "x".repeat(1024 * 1024) };
  let waiting = sse.send(big);
  const response = await client;
  response.pause();
  for (let i = 0; i < 64 && waiting === undefined; i++) {
    await nextTurn();
    waiting = sse.send(big);
  }
  return { waiting, response };
}

function text(client: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    client.setEncoding("utf8");
    client.on("data", (piece: string) => (body += piece));
    client.on("end", () => resolve(body));
  });
}

describe("SseWriter", () => {
  it("writes the events sent in one tick in a single write, at the end of that tick", async () => {
    const { res, client } = await exchange();
    const write = vi.spyOn(res, "write");
    const sse = new SseWriter(res, { "x-extra": "1" });
    sse.send({ n: 1 });
    sse.send({ n: 2 });
    sse.send({ n: 3 });
    expect(write).not.toHaveBeenCalled();
    await nextTurn();
    expect(write).toHaveBeenCalledTimes(1);
    expect(write.mock.calls[0]?.[0]).toBe('data: {"n":1}\n\ndata: {"n":2}\n\ndata: {"n":3}\n\n');
    const response = await client;
    expect(response.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(response.headers["x-extra"]).toBe("1");
    const body = text(response);
    sse.send({ n: 4 });
    sse.done();
    expect(await body).toBe('data: {"n":1}\n\ndata: {"n":2}\n\ndata: {"n":3}\n\ndata: {"n":4}\n\ndata: [DONE]\n\n');
    // What was pending went out with [DONE]; the end of the tick has nothing left to write.
    await nextTurn();
    expect(write).toHaveBeenCalledTimes(1);
  });

  it("sends an event of a later tick without waiting for more", async () => {
    const { res, client } = await exchange();
    const sse = new SseWriter(res, {});
    sse.send({ n: 1 });
    const response = await client;
    response.setEncoding("utf8");
    const first = await new Promise<string>((resolve) => response.once("data", resolve));
    expect(first).toBe('data: {"n":1}\n\n');
    sse.send({ n: 2 });
    expect(await new Promise<string>((resolve) => response.once("data", resolve))).toBe('data: {"n":2}\n\n');
    sse.fail({ error: { message: "stopped" } });
    expect(await new Promise<string>((resolve) => response.once("data", resolve))).toBe('data: {"error":{"message":"stopped"}}\n\n');
  });

  it("asks the sender to wait while the connection is full, and lets it go once drained", async () => {
    const { res, client } = await exchange();
    const sse = new SseWriter(res, {});
    const { waiting, response } = await fill(sse, client);
    expect(waiting).toBeInstanceOf(Promise);
    const body = text(response);
    response.resume();
    await waiting;
    sse.done();
    expect((await body).endsWith("data: [DONE]\n\n")).toBe(true);
  });

  it("lets a waiting sender go when the connection closes", async () => {
    const { res, client } = await exchange();
    const sse = new SseWriter(res, {});
    const { waiting } = await fill(sse, client);
    expect(waiting).toBeInstanceOf(Promise);
    res.destroy();
    await waiting;
    expect(sse.send({ n: 1 })).toBeUndefined();
  });
});
