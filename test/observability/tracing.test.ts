import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { ChatService, Role } from "../../gen/tensorwall/v1/chat_pb.js";
import { startObservedGateway, twoRegionPool, type ObservedGateway } from "./observed-gateway.js";

let gw: ObservedGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

/** A caller's span: its W3C traceparent, and the ids in it. */
function callerSpan(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString("hex");
  const spanId = randomBytes(8).toString("hex");
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

function chat(url: string, headers: Record<string, string>, body: object = {}): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "Hello!" }], ...body }),
  });
}

function spansOf(gw: ObservedGateway, traceId: string): ReadableSpan[] {
  return gw.spans!.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
}

describe("traces", () => {
  it("make a REST request the child of the caller's traceparent, and each upstream attempt the request's child, as Azure hears", async () => {
    gw = await startObservedGateway({ tracing: true });
    const { id: keyId, secret } = await gw.createKey();
    const caller = callerSpan();
    await (await chat(gw.url, { authorization: `Bearer ${secret}`, traceparent: caller.traceparent, "x-request-id": "traced-1" })).text();
    await gw.waitForRequestLines(2);

    const spans = spansOf(gw, caller.traceId);
    const server = spans.find((span) => span.kind === SpanKind.SERVER);
    const attempt = spans.find((span) => span.kind === SpanKind.CLIENT);
    expect(spans).toHaveLength(2);
    expect(server?.name).toBe("POST /v1/chat/completions");
    expect(server?.parentSpanContext?.spanId).toBe(caller.spanId);
    expect(server?.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.route": "/v1/chat/completions",
      "http.response.status_code": 200,
      "tensorwall.request_id": "traced-1",
      "tensorwall.key_id": keyId,
      "tensorwall.deployment": "default/gpt-4o",
      "gen_ai.operation.name": "chat",
      "gen_ai.system": "az.ai.openai",
      "gen_ai.request.model": "gpt-4o",
      "gen_ai.response.model": "gpt-4o",
    });
    expect(server?.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
    expect(server?.resource.attributes["service.name"]).toBe("tensorwall-test");
    expect(attempt?.name).toBe("chat gpt-4o");
    expect(attempt?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(attempt?.attributes).toMatchObject({
      "server.address": "127.0.0.1",
      "cloud.region": "eastus",
      "tensorwall.attempt": 1,
      "http.response.status_code": 200,
    });
    expect(attempt?.attributes["az.service_request_id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(gw.fake.requests[0]?.headers["traceparent"]).toBe(`00-${caller.traceId}-${attempt?.spanContext().spanId}-01`);
    expect(gw.lines("request").find((line) => line["requestId"] === "traced-1")?.["traceId"]).toBe(caller.traceId);
  });

  it("honour traceparent in RPC metadata, and end a stream's attempt span when the stream ends", async () => {
    gw = await startObservedGateway({ tracing: true });
    const { secret } = await gw.createKey();
    const caller = callerSpan();
    const client = createClient(ChatService, createGrpcTransport({ baseUrl: gw.url }));
    const stream = client.streamChatCompletion(
      { request: { model: "gpt-4o", messages: [{ role: Role.USER, content: "Hi" }] } },
      { headers: { "x-api-key": secret, traceparent: caller.traceparent } },
    );
    for await (const _chunk of stream);
    await gw.waitForRequestLines(2);

    const spans = spansOf(gw, caller.traceId);
    const server = spans.find((span) => span.kind === SpanKind.SERVER);
    const attempt = spans.find((span) => span.kind === SpanKind.CLIENT);
    expect(server?.name).toBe("tensorwall.v1.ChatService/StreamChatCompletion");
    expect(server?.parentSpanContext?.spanId).toBe(caller.spanId);
    expect(server?.attributes).toMatchObject({ "rpc.system": "grpc", "rpc.service": "tensorwall.v1.ChatService", "rpc.method": "StreamChatCompletion" });
    expect(attempt?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(attempt?.ended).toBe(true);
    expect(attempt?.attributes["tensorwall.ending"]).toBeUndefined();
  });

  it("give each failed-over attempt its own span, saying why the next one was made", async () => {
    gw = await startObservedGateway({ tracing: true, fakes: 2, poolYaml: twoRegionPool });
    const { secret } = await gw.createKey();
    gw.fakes[0]!.behave("gpt-4o", { kind: "status500" });
    const caller = callerSpan();
    expect((await chat(gw.url, { authorization: `Bearer ${secret}`, traceparent: caller.traceparent })).status).toBe(200);
    await gw.waitForRequestLines(2);

    const attempts = spansOf(gw, caller.traceId)
      .filter((span) => span.kind === SpanKind.CLIENT)
      .sort((a, b) => Number(a.attributes["tensorwall.attempt"]) - Number(b.attributes["tensorwall.attempt"]));
    expect(attempts.map((span) => span.attributes["tensorwall.deployment"])).toEqual(["region0/gpt-4o", "region1/gpt-4o"]);
    expect(attempts[0]?.attributes).toMatchObject({ "error.type": "upstream_error", "http.response.status_code": 500, "cloud.region": "region0" });
    expect(attempts[0]?.status.code).toBe(SpanStatusCode.ERROR);
    expect(attempts[1]?.attributes).toMatchObject({ "tensorwall.retry_reason": "upstream_error", "tensorwall.attempt": 2, "cloud.region": "region1" });
    expect(attempts[1]?.status.code).toBe(SpanStatusCode.UNSET);
    // Each region heard its own attempt's span as the parent.
    for (const [i, fake] of gw.fakes.entries()) {
      expect(fake.requests[0]?.headers["traceparent"]).toBe(`00-${caller.traceId}-${attempts[i]?.spanContext().spanId}-01`);
    }
  });

  it("start a trace of their own for a caller that sent none", async () => {
    gw = await startObservedGateway({ tracing: true });
    const { secret } = await gw.createKey();
    await (await chat(gw.url, { authorization: `Bearer ${secret}`, "x-request-id": "untraced" })).text();
    const [line] = (await gw.waitForRequestLines(2)).filter((entry) => entry["requestId"] === "untraced");
    const traceId = line?.["traceId"] as string;
    const server = spansOf(gw, traceId).find((span) => span.kind === SpanKind.SERVER);
    expect(server?.parentSpanContext).toBeUndefined();
    expect(gw.fake.requests[0]?.headers["traceparent"]).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });

  it("leave health probes and metric scrapes out", async () => {
    gw = await startObservedGateway({ tracing: true });
    const caller = callerSpan();
    for (const path of ["/healthz", "/readyz", "/metrics", "/v1/models"]) {
      await (await fetch(`${gw.url}${path}`, { headers: { traceparent: caller.traceparent } })).text();
    }
    await gw.waitForRequestLines(4);
    expect(spansOf(gw, caller.traceId).map((span) => span.name)).toEqual(["GET /v1/models"]);
  });
});

describe("without tracing", () => {
  it("pass the caller's trace headers to Azure unchanged, and add none of their own", async () => {
    gw = await startObservedGateway();
    const { secret } = await gw.createKey();
    const caller = callerSpan();
    await (await chat(gw.url, { authorization: `Bearer ${secret}`, traceparent: caller.traceparent, tracestate: "vendor=1" })).text();
    await (await chat(gw.url, { authorization: `Bearer ${secret}` })).text();
    await (await chat(gw.url, { authorization: `Bearer ${secret}`, traceparent: "00-not-a-trace" })).text();
    expect(gw.fake.requests.map((request) => [request.headers["traceparent"], request.headers["tracestate"]])).toEqual([
      [caller.traceparent, "vendor=1"],
      [undefined, undefined],
      [undefined, undefined],
    ]);
    expect((await gw.waitForRequestLines(4)).some((line) => "traceId" in line)).toBe(false);
  });
});
