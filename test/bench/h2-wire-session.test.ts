import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { constants, createServer, type Http2Server, type Http2Session, type ServerHttp2Stream, type Settings } from "node:http2";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { H2WireSession } from "../../bench/lib/h2-wire-session.js";
import { encodeHeaderBlock, type HeaderField } from "../../bench/lib/hpack.js";

interface Reply {
  readonly head: HeaderField[];
  readonly trailers: HeaderField[] | undefined;
  readonly body: Buffer;
}

const servers: Http2Server[] = [];
const serverSessions: Http2Session[] = [];
const sessions: H2WireSession[] = [];

afterEach(async () => {
  for (const session of sessions.splice(0)) session.close();
  // A server session that sent GOAWAY would otherwise keep server.close() waiting.
  for (const session of serverSessions.splice(0)) session.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A node:http2 server (nghttp2 on the other side) answering with `answer`, and a session to it. */
async function serve(
  answer: (stream: ServerHttp2Stream, headers: Record<string, string | string[] | undefined>, session: Http2Session) => void,
  settings: Settings = {},
): Promise<{ session: H2WireSession; server: Http2Server; authority: string }> {
  const server = createServer({ settings });
  server.on("session", (session) => serverSessions.push(session));
  server.on("stream", (stream, headers) => {
    // A stream reset or cut off is what some tests are about; the server need not report it.
    stream.on("error", () => undefined);
    answer(stream, headers, stream.session!);
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const session = await H2WireSession.connect(`http://127.0.0.1:${port}`);
  sessions.push(session);
  return { session, server, authority: `127.0.0.1:${port}` };
}

function request(session: H2WireSession, path: string, body: Buffer = Buffer.alloc(0), extra: HeaderField[] = []): Promise<Reply> {
  const block = encodeHeaderBlock([
    [":method", "POST"],
    [":scheme", "http"],
    [":authority", session.authority],
    [":path", path],
    ...extra,
  ]);
  return new Promise((resolve, reject) => {
    let head: HeaderField[] | undefined;
    let trailers: HeaderField[] | undefined;
    const chunks: Buffer[] = [];
    session.request(block, body, {
      onHeaders: (fields) => {
        if (head === undefined) head = [...fields];
        else trailers = [...fields];
      },
      onData: (chunk) => chunks.push(Buffer.from(chunk)),
      onEnd: () => resolve({ head: head ?? [], trailers, body: Buffer.concat(chunks) }),
      onError: reject,
    });
  });
}

async function readAll(stream: ServerHttp2Stream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Header values with characters of short and long Huffman codes, many of them latin1 bytes above 0x7f. */
function randomValue(length: number): string {
  return Array.from(randomBytes(length), (byte) => String.fromCharCode(byte < 0x20 || byte === 0x7f ? 0x41 + (byte % 26) : byte)).join("");
}

describe("H2WireSession against node:http2's server", () => {
  it("sends the request as nghttp2 reads it and reads the head, body and trailers it sends back", async () => {
    const { session, authority } = await serve(async (stream, headers) => {
      const body = await readAll(stream);
      stream.respond({ ":status": 200, "content-type": "application/grpc", "x-echo-path": headers[":path"], "x-echo-authority": headers[":authority"], "x-echo-te": headers["te"] }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0", "grpc-message": "fine" }));
      stream.end(Buffer.concat([Buffer.from("echo:"), body]));
    });
    const reply = await request(session, "/tensorwall.v1.ChatService/CreateChatCompletion", Buffer.from("hello"), [["te", "trailers"]]);
    expect(reply.head).toContainEqual([":status", "200"]);
    expect(reply.head).toContainEqual(["content-type", "application/grpc"]);
    expect(reply.head).toContainEqual(["x-echo-path", "/tensorwall.v1.ChatService/CreateChatCompletion"]);
    expect(reply.head).toContainEqual(["x-echo-authority", authority]);
    expect(reply.head).toContainEqual(["x-echo-te", "trailers"]);
    expect(reply.body.toString()).toBe("echo:hello");
    expect(reply.trailers).toEqual([
      ["grpc-status", "0"],
      ["grpc-message", "fine"],
    ]);
  });

  it("decodes every header of hundreds of responses, as nghttp2's encoder indexes and evicts them", async () => {
    const sent = new Map<string, Record<string, string>>();
    const { session } = await serve((stream, headers) => {
      const id = String(headers["x-id"]);
      const fields: Record<string, string> = {};
      for (let i = 0; i < 6; i++) fields[`x-field-${i % 3}-${id.length % 2}`] = randomValue(1 + ((i * 37 + id.length) % 180));
      // Some repeat from response to response, so the dynamic table serves them.
      fields["x-repeated"] = "the same value every time";
      sent.set(id, fields);
      stream.respond({ ":status": 200, ...fields });
      stream.end();
    });
    const replies = await Promise.all(
      Array.from({ length: 300 }, (_, i) => request(session, "/", Buffer.alloc(0), [["x-id", `request-${"x".repeat(i % 5)}${i}`]])),
    );
    replies.forEach((reply, i) => {
      const fields = sent.get(`request-${"x".repeat(i % 5)}${i}`)!;
      expect(reply.head.filter(([name]) => name.startsWith("x-"))).toEqual(Object.entries(fields));
    });
  });

  it("honours flow control both ways: a request body and a response body far larger than the default windows", async () => {
    const { session } = await serve(async (stream) => {
      const body = await readAll(stream);
      stream.respond({ ":status": 200 });
      stream.end(Buffer.concat([body, body, body, body]));
    });
    const body = randomBytes(300_000);
    const replies = await Promise.all([request(session, "/a", body), request(session, "/b", body)]);
    for (const reply of replies) expect(reply.body.equals(Buffer.concat([body, body, body, body]))).toBe(true);
  });

  it("keeps to the server's limit of concurrent streams, queuing the rest", async () => {
    let open = 0;
    let mostOpen = 0;
    const { session } = await serve(
      (stream) => {
        open += 1;
        mostOpen = Math.max(mostOpen, open);
        setTimeout(() => {
          open -= 1;
          stream.respond({ ":status": 200 });
          stream.end("done");
        }, 5);
      },
      { maxConcurrentStreams: 2 },
    );
    // Once the server's SETTINGS have arrived: before them, no limit is known.
    await request(session, "/first");
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => request(session, `/${i}`)));
    expect(replies.map((reply) => reply.body.toString())).toEqual(Array(10).fill("done"));
    expect(mostOpen).toBe(2);
  });

  it("fails a stream the server resets, and goes on with the others", async () => {
    const { session } = await serve((stream, headers) => {
      if (headers[":path"] === "/reset") {
        stream.close(constants.NGHTTP2_REFUSED_STREAM);
        return;
      }
      stream.respond({ ":status": 200 });
      stream.end("ok");
    });
    await expect(request(session, "/reset")).rejects.toThrow(`the server reset the stream (code ${constants.NGHTTP2_REFUSED_STREAM})`);
    expect((await request(session, "/fine")).body.toString()).toBe("ok");
  });

  it("resets a stream whose handler throws, and fails it with that error", async () => {
    let serverSaw: Promise<number> | undefined;
    const { session } = await serve((stream) => {
      serverSaw = new Promise((resolve) => stream.on("close", () => resolve(stream.rstCode)));
      stream.respond({ ":status": 200 });
      stream.write("first");
    });
    const block = encodeHeaderBlock([
      [":method", "GET"],
      [":scheme", "http"],
      [":authority", session.authority],
      [":path", "/"],
    ]);
    const failed = new Promise<Error>((resolve) => {
      session.request(block, Buffer.alloc(0), {
        onHeaders: () => {
          throw new Error("not what we wanted");
        },
        onData: () => resolve(new Error("data after the handler threw")),
        onEnd: () => resolve(new Error("an end after the handler threw")),
        onError: resolve,
      });
    });
    expect((await failed).message).toBe("not what we wanted");
    expect(await serverSaw).toBe(constants.NGHTTP2_CANCEL);
  });

  it("answers the server's PING", async () => {
    let serverSession: Http2Session | undefined;
    const { session } = await serve((stream, _headers, http2Session) => {
      serverSession = http2Session;
      stream.respond({ ":status": 200 });
      stream.end();
    });
    await request(session, "/");
    const acknowledged = await new Promise<boolean>((resolve) => serverSession!.ping((error) => resolve(error === null)));
    expect(acknowledged).toBe(true);
  });

  it("fails open streams when the connection is lost, and refuses new ones", async () => {
    const { session } = await serve((stream) => {
      stream.respond({ ":status": 200 });
      stream.write("part");
      setTimeout(() => stream.session?.destroy(), 5);
    });
    await expect(request(session, "/")).rejects.toThrow("the HTTP/2 connection closed");
    // Refused with the first news of the end: node:http2 sends GOAWAY before it closes.
    await expect(request(session, "/again")).rejects.toThrow(/GOAWAY|closed/);
  });

  it("after GOAWAY finishes the streams the server still answers and refuses new ones", async () => {
    const { session } = await serve((stream, headers, http2Session) => {
      if (headers[":path"] === "/last") {
        http2Session.goaway(constants.NGHTTP2_NO_ERROR, stream.id);
        setTimeout(() => {
          stream.respond({ ":status": 200 });
          stream.end("answered");
        }, 5);
        return;
      }
      stream.respond({ ":status": 200 });
      stream.end();
    });
    const last = request(session, "/last");
    expect((await last).body.toString()).toBe("answered");
    await expect(request(session, "/after")).rejects.toThrow("the server sent GOAWAY (code 0)");
  });
});
