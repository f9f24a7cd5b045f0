import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { BudgetPeriod, KeyRole, UsageDimension, type KeyLimitsSchema } from "../../gen/tensorwall/v1/admin_pb.js";
import { ChatService, Role } from "../../gen/tensorwall/v1/chat_pb.js";
import { startTestGateway, type TestGateway } from "../support/gateway-harness.js";

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.close());
afterEach(() => expect(gw.unexpectedErrors).toEqual([]));

async function keyWith(limits: MessageInitShape<typeof KeyLimitsSchema>): Promise<{ id: string; secret: string }> {
  const created = await gw.admin.createKey({ name: "limited", role: KeyRole.CLIENT, limits });
  return { id: created.key!.id, secret: created.secret };
}

function chat(secret: string, body: object = {}): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "azure/gpt-4o", messages: [{ role: "user", content: "Hello!" }], ...body }),
  });
}

function rateHeaders(response: Response, kind: "requests" | "tokens"): [string | null, string | null, string | null] {
  return ["limit", "remaining", "reset"].map((part) => response.headers.get(`x-ratelimit-${part}-${kind}`)) as [string | null, string | null, string | null];
}

describe("requests per minute", () => {
  it("counts down OpenAI's headers, then answers 429 rate_limit_exceeded with Retry-After", async () => {
    const { id, secret } = await keyWith({ requestsPerMinute: 3 });
    for (const remaining of ["2", "1", "0"]) {
      const response = await chat(secret);
      expect(response.status).toBe(200);
      expect(rateHeaders(response, "requests")).toEqual(["3", remaining, expect.stringMatching(/^(\d+(\.\d+)?s|1m0s)$/)]);
      expect(rateHeaders(response, "tokens")).toEqual([null, null, null]);
      await response.body?.cancel();
    }
    const refused = await chat(secret);
    expect(refused.status).toBe(429);
    expect(rateHeaders(refused, "requests")).toEqual(["3", "0", expect.stringMatching(/^\d+(\.\d+)?s$/)]);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(50);
    expect(Number(refused.headers.get("retry-after-ms"))).toBeGreaterThan(50_000);
    expect((await errorOf(refused))).toMatchObject({ type: "requests", code: "rate_limit_exceeded" });
    const usage = await gw.admin.getUsage({ keyIds: [id] });
    expect(usage.total).toMatchObject({ requests: 4n, failedRequests: 1n });
  });

  it("sends the same headers as response metadata on RPC, with the error and on success", async () => {
    const { secret } = await keyWith({ requestsPerMinute: 1 });
    const request = { model: "azure/gpt-4o", messages: [{ role: Role.USER, content: "Hi" }] };
    const withKey = { headers: { "x-api-key": secret } };
    let header: Headers | undefined;
    const connect = createClient(ChatService, createConnectTransport({ baseUrl: gw.url, httpVersion: "1.1" }));
    await connect.createChatCompletion(request, { ...withKey, onHeader: (h) => (header = h) });
    expect(header?.get("x-ratelimit-remaining-requests")).toBe("0");

    for (const transport of [createConnectTransport({ baseUrl: gw.url, httpVersion: "1.1" }), createGrpcTransport({ baseUrl: gw.url })]) {
      const error = await createClient(ChatService, transport).createChatCompletion(request, withKey).catch((e: unknown) => ConnectError.from(e));
      expect(error).toBeInstanceOf(ConnectError);
      expect(error).toMatchObject({ code: Code.ResourceExhausted });
      const metadata = (error as ConnectError).metadata;
      expect(metadata.get("tensorwall-error-code")).toBe("rate_limit_exceeded");
      expect(metadata.get("x-ratelimit-limit-requests")).toBe("1");
      expect(metadata.get("x-ratelimit-remaining-requests")).toBe("0");
      expect(Number(metadata.get("retry-after-ms"))).toBeGreaterThan(50_000);
    }
  });
});

describe("tokens per minute", () => {
  it("holds a request's estimate while it runs and replaces it with the real usage after", async () => {
    const { secret } = await keyWith({ tokensPerMinute: 1_000n });
    // Estimated at 9 prompt tokens ("Hello!" / 4 + overhead) + 900 = 909 while it streams.
    gw.fake.behave("gpt-4o", { kind: "normal", chunkDelayMs: 50 });
    const slow = await chat(secret, { stream: true, stream_options: { include_usage: true }, max_tokens: 900 });
    expect(rateHeaders(slow, "tokens")).toEqual(["1000", "91", "1m0s"]);

    const refused = await chat(secret, { max_tokens: 900 });
    expect(refused.status).toBe(429);
    expect(rateHeaders(refused, "tokens")).toEqual(["1000", "91", expect.stringMatching(/s$/)]);
    expect((await errorOf(refused)).code).toBe("rate_limit_exceeded");

    const events = (await slow.text()).split("\n\n").filter((event) => event.startsWith("data: {"));
    const streamed = (JSON.parse(events.at(-1)!.slice("data: ".length)) as { usage: OpenAiUsage }).usage;
    const admitted = await chat(secret, { max_tokens: 900 });
    expect(admitted.status).toBe(200);
    // The finished stream now counts its real tokens, not its 909.
    expect(Number(admitted.headers.get("x-ratelimit-remaining-tokens"))).toBe(1000 - streamed.total_tokens - 909);
  });

  it("tells the caller not to retry a request larger than the whole limit", async () => {
    const { secret } = await keyWith({ tokensPerMinute: 500n });
    const refused = await chat(secret, { max_tokens: 600 });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("x-should-retry")).toBe("false");
    expect(refused.headers.get("retry-after")).toBeNull();
    expect((await errorOf(refused)).message).toMatch(/more than this key's limit of 500 tokens per minute/);
  });
});

describe("budgets", () => {
  it("never lets 50 concurrent requests spend beyond the budget, answering insufficient_quota", async () => {
    // What one request costs: for this prompt and max_tokens the estimate equals the real usage, so
    // exactly floor(budget / cost) requests fit, however their reservations and settlements interleave.
    const probe = await keyWith({});
    const { usage } = await completionOf(await chat(probe.secret, { max_tokens: 3 }));
    const cost = usage.prompt_tokens * 2_500 + usage.completion_tokens * 10_000;
    const budgetNano = 19 * cost + Math.floor(cost / 2);
    const { id, secret } = await keyWith({ budget: { limitUsd: (budgetNano / 1e9).toFixed(9), period: BudgetPeriod.DAY } });

    const responses = await Promise.all(Array.from({ length: 50 }, () => chat(secret, { max_tokens: 3 })));
    const accepted = responses.filter((r) => r.status === 200);
    const refused = responses.filter((r) => r.status !== 200);
    expect(accepted).toHaveLength(19);
    for (const response of refused) {
      expect(response.status).toBe(429);
      expect(response.headers.get("x-should-retry")).toBe("false");
      expect((await errorOf(response))).toMatchObject({ type: "insufficient_quota", code: "insufficient_quota" });
    }
    await Promise.all(accepted.map((r) => r.text()));

    const spent = await gw.admin.getUsage({ keyIds: [id], groupBy: [UsageDimension.KEY] });
    expect(spent.total?.costUsd).toBe(usd(19 * cost));
    expect(19 * cost).toBeLessThanOrEqual(budgetNano);
  });

  it("refuses a budgeted key a model that has no price, rather than spend without counting", async () => {
    const { secret } = await keyWith({ budget: { limitUsd: "10", period: BudgetPeriod.MONTH } });
    const response = await chat(secret, { model: "azure/my-custom-deployment" });
    expect(response.status).toBe(403);
    expect((await errorOf(response)).message).toMatch(/no price is known/);
  });

  it("shows a key's limits as they were set", async () => {
    const created = await gw.admin.createKey({
      name: "shown",
      limits: { requestsPerMinute: 60, tokensPerMinute: 90_000n, budget: { limitUsd: "25", period: BudgetPeriod.MONTH } },
    });
    expect(created.key?.limits).toMatchObject({ requestsPerMinute: 60, tokensPerMinute: 90_000n, budget: { limitUsd: "25.00", period: BudgetPeriod.MONTH } });
  });
});

function usd(nano: number): string {
  const fraction = String(nano % 1e9).padStart(9, "0").replace(/0+$/, "").padEnd(2, "0");
  return `${Math.floor(nano / 1e9)}.${fraction}`;
}

interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

async function completionOf(response: Response): Promise<{ usage: OpenAiUsage }> {
  return (await response.json()) as { usage: OpenAiUsage };
}

async function errorOf(response: Response): Promise<{ type: string; code: string; message: string }> {
  return ((await response.json()) as { error: { type: string; code: string; message: string } }).error;
}
