import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { UsageDimension } from "../../gen/tensorwall/v1/admin_pb.js";
import { ChatService, Role } from "../../gen/tensorwall/v1/chat_pb.js";
import { startTestGateway, type TestGateway } from "../support/gateway-harness.js";

interface LedgerRow {
  request_id: string;
  started_at_ms: number;
  key_id: string;
  route: string;
  endpoint: string;
  deployment: string;
  region: string;
  model: string;
  streamed: number;
  status: string;
  prompt_tokens: number;
  cached_tokens: number;
  completion_tokens: number;
  reasoning_tokens: number;
  usage_estimated: number;
  cost_nano_usd: number;
  latency_ms: number;
  ttfb_ms: number | null;
  attempts: number;
}

let dir: string;
let gw: TestGateway;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tensorwall-ledger-"));
  gw = await startTestGateway({ env: { TENSORWALL_DB: join(dir, "gateway.db") } });
});
afterAll(async () => {
  await gw.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => expect(gw.unexpectedErrors).toEqual([]));

/** The key's ledger rows, oldest first, after GetUsage made this replica write what it holds. */
async function ledgerRows(keyId: string): Promise<LedgerRow[]> {
  await gw.admin.getUsage({ keyIds: [keyId] });
  const db = new Database(join(dir, "gateway.db"), { readonly: true });
  try {
    return db.prepare("SELECT * FROM usage_records WHERE key_id = ? ORDER BY started_at_ms, rowid").all(keyId) as LedgerRow[];
  } finally {
    db.close();
  }
}

async function waitForRows(keyId: string, count: number): Promise<LedgerRow[]> {
  for (;;) {
    const rows = await ledgerRows(keyId);
    if (rows.length >= count) return rows;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function chat(secret: string, body: object, signal?: AbortSignal): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    ...(signal && { signal }),
  });
}

const hello = { model: "azure/gpt-4o", messages: [{ role: "user", content: "Hello!" }] };

/** gpt-4o: $2.50 per 1M input tokens, $10.00 per 1M output tokens, in nano-dollars per token. */
function gpt4oCost(promptTokens: number, completionTokens: number): number {
  return promptTokens * 2_500 + completionTokens * 10_000;
}

/** The usage of a stream, as Azure reports it when asked. */
async function streamedUsage(secret: string): Promise<{ prompt_tokens: number; completion_tokens: number }> {
  const text = await (await chat(secret, { ...hello, stream: true, stream_options: { include_usage: true } })).text();
  const events = text.split("\n\n").filter((e) => e.startsWith("data: {")).map((e) => JSON.parse(e.slice(6)));
  return events.at(-1).usage;
}

describe("the usage ledger", () => {
  it("records a unary request with its deployment, tokens, exact cost, timing and attempts", async () => {
    const { id, secret } = await gw.createKey();
    const response = await chat(secret, hello);
    const { usage } = await completionOf(response);
    const [row] = await ledgerRows(id);
    expect(row).toMatchObject({
      route: "gpt-4o",
      endpoint: "default",
      deployment: "gpt-4o",
      region: "eastus",
      model: "gpt-4o",
      streamed: 0,
      status: "ok",
      prompt_tokens: usage.prompt_tokens,
      cached_tokens: 0,
      completion_tokens: usage.completion_tokens,
      reasoning_tokens: 0,
      usage_estimated: 0,
      cost_nano_usd: gpt4oCost(usage.prompt_tokens, usage.completion_tokens),
      attempts: 1,
    });
    expect(row!.latency_ms).toBeGreaterThanOrEqual(row!.ttfb_ms!);
    expect(row!.ttfb_ms).toBeGreaterThanOrEqual(0);
  });

  it("keys records by a time-ordered id (UUID version 7) carrying the request's start", async () => {
    const { id, secret } = await gw.createKey();
    for (let i = 0; i < 3; i++) await completionOf(await chat(secret, hello));
    const rows = await waitForRows(id, 3);
    for (const row of rows) {
      expect(row.request_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Number.parseInt(row.request_id.slice(0, 8) + row.request_id.slice(9, 13), 16)).toBe(row.started_at_ms);
    }
    expect(new Set(rows.map((row) => row.request_id)).size).toBe(3);
  });

  it("records a stream with Azure's usage even when the caller did not ask to see it", async () => {
    const { id, secret } = await gw.createKey();
    const text = await (await chat(secret, { ...hello, stream: true })).text();
    expect(text).not.toContain('"usage":{');
    const usage = await streamedUsage(secret);
    const [hidden, shown] = await ledgerRows(id);
    for (const row of [hidden, shown]) {
      expect(row).toMatchObject({
        streamed: 1,
        status: "ok",
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: usage.completion_tokens,
        usage_estimated: 0,
        cost_nano_usd: gpt4oCost(usage.prompt_tokens, usage.completion_tokens),
      });
      expect(row!.ttfb_ms).not.toBeNull();
    }
  });

  it("records a request Azure failed with the caller's error code and no cost", async () => {
    const { id, secret } = await gw.createKey();
    gw.fake.behave("gpt-4o", { kind: "status500" });
    expect((await chat(secret, hello)).status).toBe(502);
    expect(await ledgerRows(id)).toMatchObject([
      { status: "upstream_error", deployment: "", prompt_tokens: 0, completion_tokens: 0, cost_nano_usd: 0, attempts: 1, ttfb_ms: null },
    ]);
  });

  it("records a request refused before any deployment with the route it asked for and no attempts", async () => {
    const { id, secret } = await gw.createKey({ allowedModels: ["azure/gpt-4o-mini"] });
    expect((await chat(secret, hello)).status).toBe(403);
    expect(await ledgerRows(id)).toMatchObject([
      { status: "permission_denied", route: "azure/gpt-4o", endpoint: "", deployment: "", model: "", attempts: 0, cost_nano_usd: 0 },
    ]);
  });

  it("estimates the usage of a stream that broke off, and marks it estimated", async () => {
    const { id, secret } = await gw.createKey();
    gw.fake.behave("gpt-4o", { kind: "dieMidStream", afterEvents: 4, content: "one two three four" });
    const text = await (await chat(secret, { ...hello, stream: true })).text();
    expect(text).toContain('"error"');
    const [row] = await ledgerRows(id);
    expect(row).toMatchObject({ streamed: 1, status: "upstream_error", usage_estimated: 1, deployment: "gpt-4o" });
    expect(row!.prompt_tokens).toBeGreaterThan(0);
    expect(row!.completion_tokens).toBeGreaterThan(0);
    expect(row!.cost_nano_usd).toBe(gpt4oCost(row!.prompt_tokens, row!.completion_tokens));
  });

  it("records a stream the caller walked away from as canceled", async () => {
    const { id, secret } = await gw.createKey();
    gw.fake.behave("gpt-4o", { kind: "hangMidStream", afterEvents: 3 });
    const abort = new AbortController();
    const response = await chat(secret, { ...hello, stream: true }, abort.signal);
    const reader = response.body!.getReader();
    await reader.read();
    abort.abort();
    const [row] = await waitForRows(id, 1);
    expect(row).toMatchObject({ streamed: 1, status: "request_canceled", deployment: "gpt-4o" });
  });

  it("records RPC calls, unary and streamed, like REST ones", async () => {
    const { id, secret } = await gw.createKey();
    const client = createClient(
      ChatService,
      createConnectTransport({ baseUrl: gw.url, httpVersion: "2", interceptors: [(next) => (req) => (req.header.set("x-api-key", secret), next(req))] }),
    );
    const request = { model: "azure/gpt-4o-mini", messages: [{ role: Role.USER, content: "Hi" }] };
    await client.createChatCompletion(request);
    for await (const chunk of client.streamChatCompletion({ request })) void chunk;
    expect((await ledgerRows(id)).map((row) => [row.model, row.streamed, row.status])).toEqual([
      ["gpt-4o-mini", 0, "ok"],
      ["gpt-4o-mini", 1, "ok"],
    ]);
  });
});

describe("GetUsage", () => {
  it("totals requests, tokens and exact cost per key and model, with a grand total", async () => {
    const a = await gw.createKey({ name: "a" });
    const b = await gw.createKey({ name: "b" });
    const [first, second] = await Promise.all([chat(a.secret, hello), chat(a.secret, hello)]);
    const { usage } = await completionOf(first!);
    await second!.json();
    gw.fake.behave("gpt-4o-mini", { kind: "status500" });
    await chat(b.secret, { ...hello, model: "azure/gpt-4o-mini" });

    const answer = await gw.admin.getUsage({
      keyIds: [a.id, b.id],
      groupBy: [UsageDimension.KEY, UsageDimension.MODEL],
      startTime: timestampFromMs(Date.now() - 60_000),
    });
    const perRequest = gpt4oCost(usage.prompt_tokens, usage.completion_tokens);
    const rows = answer.rows.map((row) => ({ key: row.keyId, model: row.model, requests: row.totals?.requests, failed: row.totals?.failedRequests, cost: row.totals?.costUsd }));
    expect(rows).toEqual(
      [
        { key: a.id, model: "gpt-4o", requests: 2n, failed: 0n, cost: usd(2 * perRequest) },
        { key: b.id, model: "", requests: 1n, failed: 1n, cost: "0.00" },
      ].sort((x, y) => x.key.localeCompare(y.key)),
    );
    expect(answer.total).toMatchObject({
      requests: 3n,
      failedRequests: 1n,
      promptTokens: BigInt(2 * usage.prompt_tokens),
      completionTokens: BigInt(2 * usage.completion_tokens),
      costUsd: usd(2 * perRequest),
    });
  });

  it("needs an admin key", async () => {
    const { secret } = await gw.createKey();
    const response = await fetch(`${gw.url}/tensorwall.v1.AdminService/GetUsage`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(403);
  });
});

function usd(nano: number): string {
  const whole = Math.floor(nano / 1e9);
  const fraction = String(nano % 1e9).padStart(9, "0").replace(/0+$/, "").padEnd(2, "0");
  return `${whole}.${fraction}`;
}

interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

async function completionOf(response: Response): Promise<{ usage: OpenAiUsage }> {
  return (await response.json()) as { usage: OpenAiUsage };
}
