import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterEach, describe, expect, it } from "vitest";
import { ChatService, Role } from "../../gen/tensorwall/v1/chat_pb.js";
import { FAKE_AZURE_KEY, newKeySecret } from "../support/gateway-harness.js";
import { startObservedGateway, twoRegionPool, type ObservedGateway } from "./observed-gateway.js";

let gw: ObservedGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function chat(url: string, headers: Record<string, string>, body: object = {}): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "azure/gpt-4o", messages: [{ role: "user", content: "Hello!" }], ...body }),
  });
}

describe("request log lines", () => {
  it("say who asked, where it was served, what it used and cost, and how long it took", async () => {
    gw = await startObservedGateway();
    const { id: keyId, secret } = await gw.createKey();
    const response = await chat(gw.url, { authorization: `Bearer ${secret}`, "x-request-id": "client-req-1" });
    const answer = (await response.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
    expect(response.headers.get("x-request-id")).toBe("client-req-1");
    const streamed = await chat(gw.url, { authorization: `Bearer ${secret}` }, { stream: true });
    await streamed.text();

    const lines = (await gw.waitForRequestLines(3)).filter((line) => line["keyId"] === keyId);
    expect(lines).toHaveLength(2);
    const [unary, stream] = lines;
    expect(unary).toMatchObject({
      level: "info",
      msg: "request",
      requestId: "client-req-1",
      protocol: "rest",
      method: "POST",
      httpRoute: "/v1/chat/completions",
      status: "ok",
      httpStatus: 200,
      route: "gpt-4o",
      deployment: "default/gpt-4o",
      region: "eastus",
      model: "gpt-4o",
      streamed: false,
      inputTokens: answer.usage.prompt_tokens,
      outputTokens: answer.usage.completion_tokens,
      cachedTokens: 0,
      reasoningTokens: 0,
      attempts: 1,
    });
    expect(unary!["costUsd"]).toMatch(/^0\.\d+$/);
    expect(unary!["latencyMs"]).toBeGreaterThan(0);
    expect(unary!["ttfbMs"]).toBeGreaterThanOrEqual(0);
    expect(unary!["upstreamRequestId"]).toMatch(UUID);
    expect(typeof unary!["time"]).toBe("string");
    expect(stream).toMatchObject({ requestId: streamed.headers.get("x-request-id"), streamed: true, status: "ok", usageEstimated: false });
    expect(stream!["requestId"]).toMatch(UUID);
  });

  it("carries Azure's request id when Azure refused the request", async () => {
    gw = await startObservedGateway();
    const { secret } = await gw.createKey();
    gw.fake.behave("gpt-4o", { kind: "status", status: 500, body: {}, headers: { "apim-request-id": "azure-req-42" } });
    expect((await chat(gw.url, { authorization: `Bearer ${secret}` })).status).toBe(502);
    const [line] = (await gw.waitForRequestLines(2)).filter((entry) => entry["httpRoute"] === "/v1/chat/completions");
    expect(line).toMatchObject({ level: "warn", status: "upstream_error", httpStatus: 502, upstreamRequestId: "azure-req-42", attempts: 1 });
  });

  it("answer x-request-id on both doors: the caller's when sane, else a new one", async () => {
    gw = await startObservedGateway();
    const { secret } = await gw.createKey();
    const insane = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${secret}`, "x-request-id": "x".repeat(129) } });
    expect(insane.headers.get("x-request-id")).toMatch(UUID);
    const spaced = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${secret}`, "x-request-id": "a b" } });
    expect(spaced.headers.get("x-request-id")).toMatch(UUID);
    const refused = await fetch(`${gw.url}/v1/models`, { headers: { "x-request-id": "rest-401" } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("x-request-id")).toBe("rest-401");

    const connect = createClient(ChatService, createConnectTransport({ baseUrl: gw.url, httpVersion: "1.1" }));
    let header: Headers | undefined;
    await connect.listModels({}, { headers: { "x-api-key": secret, "x-request-id": "connect-1" }, onHeader: (h) => (header = h) });
    expect(header?.get("x-request-id")).toBe("connect-1");

    const grpc = createClient(ChatService, createGrpcTransport({ baseUrl: gw.url }));
    const chunks = [];
    const stream = grpc.streamChatCompletion(
      { request: { model: "azure/gpt-4o", messages: [{ role: Role.USER, content: "Hi" }] } },
      { headers: { "x-api-key": secret, "x-request-id": "grpc-stream-1" }, onHeader: (h) => (header = h) },
    );
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    expect(header?.get("x-request-id")).toBe("grpc-stream-1");

    const failed = await grpc.listModels({}, { headers: { "x-api-key": newKeySecret(), "x-request-id": "grpc-401" } }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(ConnectError);
    expect((failed as ConnectError).code).toBe(Code.Unauthenticated);
    expect((failed as ConnectError).metadata.get("x-request-id")).toBe("grpc-401");

    const lines = await gw.waitForRequestLines(7);
    const byId = new Map(lines.map((line) => [line["requestId"], line]));
    expect(byId.get("rest-401")).toMatchObject({ status: "missing_api_key", httpStatus: 401, httpRoute: "/v1/models" });
    expect(byId.get("connect-1")).toMatchObject({ protocol: "connect", status: "ok", httpRoute: "/tensorwall.v1.ChatService/ListModels" });
    expect(byId.get("grpc-stream-1")).toMatchObject({ protocol: "grpc", status: "ok", streamed: true, deployment: "default/gpt-4o" });
    expect(byId.get("grpc-401")).toMatchObject({ protocol: "grpc", status: "invalid_api_key" });
  });

  it("never hold a gateway key, an Azure key or X-Azure-API-Key, even when requests fail", async () => {
    const callerAzureKey = "caller-azure-key-abcdef0123456789";
    gw = await startObservedGateway({ env: (fakes) => ({ TENSORWALL_ALLOWED_ENDPOINTS: fakes[0]!.url }) });
    const created = await gw.admin.createKey({ name: "secretive" });
    const secret = created.secret;
    const unknownKey = newKeySecret();
    const requests: Promise<Response>[] = [
      chat(gw.url, { authorization: `Bearer ${secret}` }),
      chat(gw.url, { authorization: `Bearer ${unknownKey}` }),
      chat(gw.url, { "x-api-key": "not-even-a-gateway-key" }),
      chat(gw.url, { authorization: `Bearer ${secret}`, "x-azure-endpoint": gw.fake.url, "x-azure-api-key": callerAzureKey }),
      chat(gw.url, { authorization: `Bearer ${secret}`, "x-azure-api-key": callerAzureKey }),
      fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${secret}` }, body: "{not json" }),
      fetch(`${gw.url}/`, { headers: { authorization: `Basic ${Buffer.from(`admin:${gw.adminKey}`).toString("base64")}` } }),
    ];
    const statuses = [];
    for (const request of requests) {
      const response = await request;
      await response.text();
      statuses.push(response.status);
    }
    // Azure refuses the caller's key (on the caller's endpoint, or the configured one): 502 upstream_auth_failed.
    expect(statuses).toEqual([200, 401, 401, 502, 502, 400, 200]);
    const lines = await gw.waitForRequestLines(8);
    expect(lines).toHaveLength(8);
    expect(lines.map((line) => line["status"])).toContain("upstream_auth_failed");
    for (const raw of gw.rawLines) {
      for (const secretText of [secret, unknownKey, "not-even-a-gateway-key", gw.adminKey, FAKE_AZURE_KEY, callerAzureKey]) {
        expect(raw).not.toContain(secretText);
      }
    }
  });

  it("hold no prompt or completion unless TENSORWALL_LOG_PROMPTS=true", async () => {
    const prompt = { messages: [{ role: "user", content: "the secret recipe is pickles" }] };
    gw = await startObservedGateway();
    let { secret } = await gw.createKey();
    await (await chat(gw.url, { authorization: `Bearer ${secret}` }, prompt)).text();
    await (await chat(gw.url, { authorization: `Bearer ${secret}` }, { ...prompt, stream: true })).text();
    await gw.waitForRequestLines(3);
    expect(gw.rawLines.join("\n")).not.toContain("pickles");
    expect(gw.rawLines.join("\n")).not.toContain("Hello from");
    await gw.close();

    gw = await startObservedGateway({ env: { TENSORWALL_LOG_PROMPTS: "true" } });
    ({ secret } = await gw.createKey());
    await (await chat(gw.url, { authorization: `Bearer ${secret}` }, prompt)).text();
    await (await chat(gw.url, { authorization: `Bearer ${secret}` }, { ...prompt, stream: true })).text();
    const [unary, stream] = (await gw.waitForRequestLines(3)).filter((line) => line["httpRoute"] === "/v1/chat/completions");
    for (const line of [unary, stream]) {
      expect(line!["prompt"]).toEqual(prompt.messages);
      expect(line!["completion"]).toEqual(["Hello from gpt-4o"]);
    }
    expect(gw.rawLines.join("\n")).not.toContain(secret);
  });

  it("wait for the account of a stream whose caller left, and say it was canceled", async () => {
    gw = await startObservedGateway();
    const { secret } = await gw.createKey();
    gw.fake.behave("gpt-4o", { kind: "hangMidStream", afterEvents: 3 });
    const response = await chat(gw.url, { authorization: `Bearer ${secret}`, "x-request-id": "leaver" }, { stream: true });
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    const [line] = (await gw.waitForRequestLines(2)).filter((entry) => entry["requestId"] === "leaver");
    expect(line).toMatchObject({ status: "request_canceled", streamed: true, usageEstimated: true, deployment: "default/gpt-4o" });
  });

  it("log probes at debug level, and pool events as their own lines", async () => {
    gw = await startObservedGateway({ fakes: 2, poolYaml: twoRegionPool });
    const { secret } = await gw.createKey();
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    gw.fakes[0]!.behave("gpt-4o", { kind: "status500" }, { times: 2 });
    for (let i = 0; i < 2; i += 1) await (await chat(gw.url, { authorization: `Bearer ${secret}` })).text();
    const lines = await gw.waitForRequestLines(4);
    expect(lines.find((line) => line["httpRoute"] === "/healthz")).toMatchObject({ level: "debug", status: "ok" });
    expect(gw.lines("circuit open")).toEqual([
      expect.objectContaining({ level: "info", deployment: "region0/gpt-4o", reason: "consecutive_failures" }),
    ]);
  });
});
