import { Code, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ChatService, Role } from "../../gen/tensorwall/v1/chat_pb.js";
import { startTestGateway, type TestGateway } from "../support/gateway-harness.js";

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
