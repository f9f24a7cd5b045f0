import { createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterEach, describe, expect, it } from "vitest";
import { ChatService, Role } from "../../gen/tensorwall/v1/chat_pb.js";
import { FAKE_AZURE_KEY } from "../support/gateway-harness.js";
import { startObservedGateway, twoRegionPool, type ObservedGateway } from "./observed-gateway.js";
import { parsePrometheusText, sampleValue, type Sample } from "./prometheus-text.js";

let gw: ObservedGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const withKey =
  (secret: string): Interceptor =>
  (next) =>
  (req) => {
    req.header.set("x-api-key", secret);
    return next(req);
  };

const hello = { model: "azure/gpt-4o", messages: [{ role: Role.USER, content: "Hello!" }] };

function chat(url: string, secret: string, body: object = {}): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "Hello!" }], ...body }),
  });
}

async function scrape(url: string, headers: Record<string, string> = {}): Promise<{ response: Response; samples: Sample[]; text: string }> {
  const response = await fetch(`${url}/metrics`, { headers });
  const text = await response.text();
  return { response, text, samples: response.status === 200 ? parsePrometheusText(text) : [] };
}

describe("GET /metrics", () => {
  it("counts requests by protocol, route, deployment, region and status, with GenAI tokens, durations and cost", async () => {
    gw = await startObservedGateway();
    const { id: keyId, secret } = await gw.createKey();
    await (await chat(gw.url, secret)).text();
    await (await chat(gw.url, secret, { stream: true })).text();
    await (await chat(gw.url, "gw_not-a-real-key")).text();
    const transports: [string, Transport][] = [
      ["connect", createConnectTransport({ baseUrl: gw.url, httpVersion: "1.1", interceptors: [withKey(secret)] })],
      ["grpc", createGrpcTransport({ baseUrl: gw.url, interceptors: [withKey(secret)] })],
      ["grpc-web", createGrpcWebTransport({ baseUrl: gw.url, httpVersion: "1.1", interceptors: [withKey(secret)] })],
    ];
    for (const [, transport] of transports) await createClient(ChatService, transport).createChatCompletion(hello);
    await gw.waitForRequestLines(7);

    const { response, samples, text } = await scrape(gw.url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const served = { route: "gpt-4o", deployment: "default/gpt-4o", region: "eastus" };
    expect(sampleValue(samples, "tensorwall_requests_total", { protocol: "rest", http_route: "/v1/chat/completions", status: "ok", ...served })).toBe(2);
    expect(sampleValue(samples, "tensorwall_requests_total", { protocol: "rest", status: "invalid_api_key", deployment: "" })).toBe(1);
    for (const [protocol] of transports) {
      expect(
        sampleValue(samples, "tensorwall_requests_total", { protocol, http_route: "/tensorwall.v1.ChatService/CreateChatCompletion", status: "ok", ...served }),
      ).toBe(1);
    }
    const genAi = {
      gen_ai_operation_name: "chat",
      gen_ai_system: "az.ai.openai",
      gen_ai_request_model: "gpt-4o",
      gen_ai_response_model: "gpt-4o",
      server_address: "127.0.0.1",
      deployment: "default/gpt-4o",
      region: "eastus",
    };
    expect(sampleValue(samples, "gen_ai_server_request_duration_seconds_count", { ...genAi, error_type: "" })).toBe(5);
    expect(sampleValue(samples, "gen_ai_server_time_to_first_token_seconds_count", genAi)).toBe(5);
    const chatLines = gw.lines("request").filter((line) => line["keyId"] === keyId);
    const inputTokens = chatLines.reduce((sum, line) => sum + (line["inputTokens"] as number), 0);
    const outputTokens = chatLines.reduce((sum, line) => sum + (line["outputTokens"] as number), 0);
    expect(inputTokens).toBeGreaterThan(0);
    expect(sampleValue(samples, "gen_ai_client_token_usage_sum", { ...genAi, gen_ai_token_type: "input" })).toBe(inputTokens);
    expect(sampleValue(samples, "gen_ai_client_token_usage_sum", { ...genAi, gen_ai_token_type: "output" })).toBe(outputTokens);
    expect(sampleValue(samples, "gen_ai_client_token_usage_count", { ...genAi, gen_ai_token_type: "cached" })).toBe(5);
    const costUsd = chatLines.reduce((sum, line) => sum + Number(line["costUsd"]), 0);
    expect(sampleValue(samples, "tensorwall_cost_usd_total", genAi)).toBeCloseTo(costUsd, 12);
    expect(sampleValue(samples, "tensorwall_upstream_attempts_total", { deployment: "default/gpt-4o", outcome: "ok" })).toBe(5);
    // The scrape itself is in flight while it is answered.
    expect(sampleValue(samples, "tensorwall_requests_in_flight")).toBe(1);
    expect(sampleValue(samples, "process_resident_memory_bytes")).toBeGreaterThan(0);
    for (const secretText of [keyId, secret, FAKE_AZURE_KEY, gw.adminKey]) expect(text).not.toContain(secretText);
  });

  it("shows each deployment's breaker state, failovers and attempts by outcome", async () => {
    gw = await startObservedGateway({ fakes: 2, poolYaml: twoRegionPool });
    const { secret } = await gw.createKey();
    gw.fakes[0]!.behave("gpt-4o", { kind: "status500" }, { times: Infinity });
    for (let i = 0; i < 3; i += 1) expect((await chat(gw.url, secret)).status).toBe(200);
    await gw.waitForRequestLines(4);

    const { samples } = await scrape(gw.url);
    const east = { deployment: "region0/gpt-4o", region: "region0" };
    const west = { deployment: "region1/gpt-4o", region: "region1" };
    expect(sampleValue(samples, "tensorwall_deployment_circuit_state", { ...east, state: "open" })).toBe(1);
    expect(sampleValue(samples, "tensorwall_deployment_circuit_state", { ...east, state: "closed" })).toBe(0);
    expect(sampleValue(samples, "tensorwall_deployment_circuit_state", { ...west, state: "closed" })).toBe(1);
    expect(sampleValue(samples, "tensorwall_deployment_circuit_transitions_total", { deployment: east.deployment, to: "open" })).toBe(1);
    expect(sampleValue(samples, "tensorwall_deployment_enabled", west)).toBe(1);
    expect(sampleValue(samples, "tensorwall_deployment_in_flight", west)).toBe(0);
    expect(sampleValue(samples, "tensorwall_deployment_latency_estimate_seconds", west)).toBeGreaterThan(0);
    // Two failures open region0's circuit; the third request goes to region1 directly.
    expect(sampleValue(samples, "tensorwall_upstream_attempts_total", { ...east, outcome: "upstream_error" })).toBe(2);
    expect(sampleValue(samples, "tensorwall_upstream_attempts_total", { ...west, outcome: "ok" })).toBe(3);
    expect(sampleValue(samples, "tensorwall_upstream_failovers_total", { route: "gpt-4o", deployment: east.deployment, reason: "upstream_error" })).toBe(2);
    expect(sampleValue(samples, "tensorwall_requests_total", { protocol: "rest", status: "ok", ...west, route: "gpt-4o" })).toBe(3);
    expect(gw.lines("request").filter((line) => line["route"] === "gpt-4o").map((line) => line["attempts"])).toEqual([2, 2, 1]);
  });

  it("needs an admin key with TENSORWALL_METRICS=admin", async () => {
    gw = await startObservedGateway({ env: { TENSORWALL_METRICS: "admin" } });
    const { secret } = await gw.createKey();
    expect((await scrape(gw.url)).response.status).toBe(401);
    expect((await scrape(gw.url, { authorization: `Bearer ${secret}` })).response.status).toBe(403);
    const allowed = await scrape(gw.url, { authorization: `Bearer ${gw.adminKey}` });
    expect(allowed.response.status).toBe(200);
    expect(sampleValue(allowed.samples, "tensorwall_requests_total", { http_route: "/metrics", status: "missing_api_key" })).toBe(1);
    expect(sampleValue(allowed.samples, "tensorwall_requests_total", { http_route: "/metrics", status: "permission_denied" })).toBe(1);
  });

  it("is not served with TENSORWALL_METRICS=off", async () => {
    gw = await startObservedGateway({ env: { TENSORWALL_METRICS: "off" } });
    expect((await scrape(gw.url)).response.status).toBe(404);
  });

  it("labels paths nothing serves as unmatched, never by the path itself", async () => {
    gw = await startObservedGateway();
    for (const path of ["/wp-admin/setup.php", "/tensorwall.v1.NoSuchService/Method", "/v1/chat/completions/x"]) {
      expect((await fetch(`${gw.url}${path}`, { method: "POST" })).status).toBe(404);
    }
    const { samples, text } = await scrape(gw.url);
    expect(sampleValue(samples, "tensorwall_requests_total", { http_route: "unmatched", status: "not_found" })).toBe(3);
    expect(text).not.toContain("wp-admin");
    expect(text).not.toContain("NoSuchService");
  });
});
