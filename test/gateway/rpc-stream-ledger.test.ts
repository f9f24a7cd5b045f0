import { fromBinary } from "@bufbuild/protobuf";
import { Code, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import * as http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ChatService, Role, StreamChatCompletionResponseSchema } from "../../gen/tensorwall/v1/chat_pb.js";
import { startTestGateway, type TestGateway } from "../support/gateway-harness.js";
import { startRawConnectStream } from "../support/raw-connect-stream.js";

// However an RPC stream ends, its usage is recorded once, with how it ended: the chat core's
// relay, not a generator's finally, now sees every ending, so each one is pinned here.

let dir: string;
let gw: TestGateway;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tensorwall-rpc-ledger-"));
  gw = await startTestGateway({ env: { TENSORWALL_DB: join(dir, "gateway.db") } });
});
afterAll(async () => {
  await gw.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => expect(gw.unexpectedErrors).toEqual([]));

/** The key's ledger statuses, oldest first, once `count` are recorded. */
async function statuses(keyId: string, count: number): Promise<string[]> {
  for (;;) {
    await gw.admin.getUsage({ keyIds: [keyId] });
    const db = new Database(join(dir, "gateway.db"), { readonly: true });
    try {
      const rows = db.prepare("SELECT status FROM usage_records WHERE key_id = ? ORDER BY started_at_ms, rowid").all(keyId) as { status: string }[];
      if (rows.length >= count) return rows.map((row) => row.status);
    } finally {
      db.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function client(secret: string) {
  return createClient(
    ChatService,
    createConnectTransport({ baseUrl: gw.url, httpVersion: "2", interceptors: [(next) => (req) => (req.header.set("x-api-key", secret), next(req))] }),
  );
}

const request = { model: "azure/gpt-4o", messages: [{ role: Role.USER, content: "Hi" }] };

describe("the usage ledger, for RPC streams", () => {
  it("records a stream the caller cancels mid-stream as canceled", async () => {
    const { id, secret } = await gw.createKey();
    gw.fake.behave("gpt-4o", { kind: "hangMidStream", afterEvents: 3 });
    const controller = new AbortController();
    await expect(async () => {
      for await (const _chunk of client(secret).streamChatCompletion({ request }, { signal: controller.signal })) controller.abort();
    }).rejects.toMatchObject({ code: Code.Canceled });
    expect(await statuses(id, 1)).toEqual(["request_canceled"]);
  });

  it("records a stream Azure breaks off mid-stream as failed", async () => {
    const { id, secret } = await gw.createKey();
    gw.fake.behave("gpt-4o", { kind: "dieMidStream", afterEvents: 4 });
    await expect(async () => {
      for await (const _chunk of client(secret).streamChatCompletion({ request })) void _chunk;
    }).rejects.toMatchObject({ code: Code.Unavailable });
    expect(await statuses(id, 1)).toEqual(["upstream_error"]);
  });

  it("records a completed stream as ok", async () => {
    const { id, secret } = await gw.createKey();
    gw.fake.behave("gpt-4o", { kind: "normal" });
    for await (const _chunk of client(secret).streamChatCompletion({ request })) void _chunk;
    expect(await statuses(id, 1)).toEqual(["ok"]);
  });
});

const WORDS = 3_000;
const TEXT = Array.from({ length: WORDS }, (_, i) => `w${i}`).join(" ");

/**
 * One Connect server-streaming call on a session whose receive window is small, so the gateway
 * soon has to wait for the reader.
 */
function openSlowReadCall(secret: string): { session: http2.ClientHttp2Session; stream: http2.ClientHttp2Stream } {
  const session = http2.connect(gw.url, { settings: { initialWindowSize: 1024 } });
  const stream = startRawConnectStream(session, secret, request);
  stream.pause();
  return { session, stream };
}

/** The text of every data message, and the end-stream message's JSON. */
function parseEnvelopes(body: Buffer): { text: string; end: unknown } {
  let text = "";
  let end: unknown;
  for (let at = 0; at < body.length; ) {
    const flags = body[at]!;
    const length = body.readUInt32BE(at + 1);
    const payload = body.subarray(at + 5, at + 5 + length);
    at += 5 + length;
    if ((flags & 0x02) !== 0) end = JSON.parse(payload.toString("utf8"));
    else text += fromBinary(StreamChatCompletionResponseSchema, payload).choices[0]?.delta?.content ?? "";
  }
  return { text, end };
}

describe("RPC streams to a slow reader", () => {
  it("a reader that pauses gets every message in order once it reads again", async () => {
    const { id, secret } = await gw.createKey();
    gw.fake.behave("gpt-4o", { kind: "normal", content: TEXT, chunks: WORDS });
    const { session, stream } = openSlowReadCall(secret);
    try {
      // Long enough for the gateway to fill the window and wait on the reader.
      await new Promise((resolve) => setTimeout(resolve, 400));
      const pieces: Buffer[] = [];
      stream.on("data", (piece: Buffer) => pieces.push(piece));
      stream.resume();
      await new Promise<void>((resolve, reject) => {
        stream.on("end", resolve);
        stream.on("error", reject);
      });
      const { text, end } = parseEnvelopes(Buffer.concat(pieces));
      expect(text).toBe(TEXT);
      expect(end).not.toHaveProperty("error");
    } finally {
      session.close();
    }
    expect(await statuses(id, 1)).toEqual(["ok"]);
  });

  it("a reader that resets the stream while the gateway waits on it ends the upstream request, recorded as canceled", async () => {
    const { id, secret } = await gw.createKey();
    gw.fake.behave("gpt-4o", { kind: "normal", content: TEXT, chunks: WORDS, chunkDelayMs: 1 });
    const aborts = gw.fake.clientAborts;
    const { session, stream } = openSlowReadCall(secret);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      stream.close(http2.constants.NGHTTP2_CANCEL);
      await gw.fake.waitForClientAborts(aborts + 1);
    } finally {
      session.close();
    }
    expect(await statuses(id, 1)).toEqual(["request_canceled"]);
  });
});
