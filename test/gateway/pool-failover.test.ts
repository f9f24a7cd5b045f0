import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ChatService, Role } from "../../gen/tensorwall/v1/chat_pb.js";
import { sseEvents, startPoolGateway, type PoolGateway } from "../pool/pool-gateway-harness.js";
import { ManualClock } from "../pool/seeded-random.js";

const hello = { model: "gpt-4o", messages: [{ role: "user", content: "Hello" }] };
const helloStream = { ...hello, stream: true };

function served(headers: Headers): Record<string, string | null> {
  return {
    route: headers.get("x-tensorwall-route"),
    deployment: headers.get("x-tensorwall-deployment"),
    endpoint: headers.get("x-tensorwall-endpoint"),
    region: headers.get("x-tensorwall-region"),
    attempts: headers.get("x-tensorwall-attempts"),
  };
}

describe("a pool of two regions", () => {
  let gw: PoolGateway;
  beforeAll(async () => {
    gw = await startPoolGateway();
  });
  afterAll(() => gw.close());
  beforeEach(async () => {
    gw.east.reset();
    gw.west.reset();
    for (const id of ["eastus/gpt4o-ptu", "westeu/gpt4o-paygo"]) await gw.admin.resetCircuit({ deploymentId: id });
  });
  afterEach(() => expect(gw.unexpectedErrors).toEqual([]));

  it("serves from the preferred region and says so", async () => {
    const result = await gw.post(hello);
    expect(result.status).toBe(200);
    expect(served(result.headers)).toEqual({ route: "gpt-4o", deployment: "gpt4o-ptu", endpoint: "eastus", region: "eastus", attempts: "1" });
    expect(gw.east.requests[0]?.headers["api-key"]).toBe("east-azure-key-0123456789");
  });

  it("fails over to the other region before answering when the first fails", async () => {
    gw.east.behave("gpt4o-ptu", { kind: "status503" });
    const result = await gw.post(hello);
    expect(result.status).toBe(200);
    expect(result.json.choices?.[0]?.message?.content).toBe("Hello from gpt4o-paygo");
    expect(served(result.headers)).toMatchObject({ endpoint: "westeu", region: "westeurope", attempts: "2" });
    expect(gw.east.requests).toHaveLength(1);
    expect(gw.west.requests[0]?.headers["api-key"]).toBe("west-azure-key-0123456789");
  });

  it("fails over a stream that fails before its first chunk, and the caller sees one clean stream", async () => {
    gw.east.behave("gpt4o-ptu", { kind: "status500" });
    const result = await gw.post(helloStream);
    expect(result.status).toBe(200);
    expect(served(result.headers)).toMatchObject({ endpoint: "westeu", attempts: "2" });
    const events = sseEvents(result.text);
    expect(events.at(-1)).toBe("[DONE]");
    expect(events.some((event) => event.includes('"error"'))).toBe(false);
    expect(events.join("")).toContain("gpt4o");
  });

  it("fails over a stream whose first chunk does not come within the between-chunks timeout", async () => {
    gw.east.behave("gpt4o-ptu", { kind: "hangMidStream", afterEvents: 0 });
    const aborts = gw.east.clientAborts;
    const result = await gw.post(helloStream);
    expect(result.status).toBe(200);
    expect(served(result.headers)).toMatchObject({ endpoint: "westeu", attempts: "2" });
    expect(sseEvents(result.text).at(-1)).toBe("[DONE]");
    await gw.east.waitForClientAborts(aborts + 1);
  });

  it("never fails over once the first chunk went out: Azure dying mid-stream ends it with an error event", async () => {
    gw.east.behave("gpt4o-ptu", { kind: "dieMidStream", afterEvents: 3 });
    const result = await gw.post(helloStream);
    expect(result.status).toBe(200);
    const events = sseEvents(result.text);
    expect(events).not.toContain("[DONE]");
    expect(JSON.parse(events.at(-1)!)).toMatchObject({ error: { code: "upstream_error" } });
    expect(gw.west.requests).toHaveLength(0);
  });

  it("ends the stream cleanly with an error when the last deployment dies mid-stream", async () => {
    gw.east.behave("gpt4o-ptu", { kind: "status503" });
    gw.west.behave("gpt4o-paygo", { kind: "dieMidStream", afterEvents: 4 });
    const result = await gw.post(helloStream);
    expect(served(result.headers)).toMatchObject({ endpoint: "westeu", attempts: "2" });
    const events = sseEvents(result.text);
    expect(events).not.toContain("[DONE]");
    expect(events.filter((event) => event.includes('"error"'))).toHaveLength(1);
  });

  it("ends a stream that stalls after starting with upstream_timeout", async () => {
    gw.east.behave("gpt4o-ptu", { kind: "hangMidStream", afterEvents: 3 });
    const result = await gw.post(helloStream);
    const events = sseEvents(result.text);
    expect(events).not.toContain("[DONE]");
    expect(JSON.parse(events.at(-1)!)).toMatchObject({ error: { code: "upstream_timeout" } });
    expect(gw.west.requests).toHaveLength(0);
  });

  it("answers the last deployment's error when every attempt fails", async () => {
    gw.east.behave("gpt4o-ptu", { kind: "status500" }, { times: Infinity });
    gw.west.behave("gpt4o-paygo", { kind: "status503" }, { times: Infinity });
    const result = await gw.post(hello);
    expect(result.status).toBe(502);
    expect(result.json.error?.code).toBe("upstream_error");
    expect(gw.east.requests.length + gw.west.requests.length).toBe(3);
  });

  it("does not fail over a caller's own mistake (content filter)", async () => {
    gw.east.behave("gpt4o-ptu", { kind: "contentFilter" });
    const result = await gw.post(hello);
    expect(result.status).toBe(400);
    expect(result.json.error?.code).toBe("content_filter");
    expect(gw.west.requests).toHaveLength(0);
  });

  it("keeps the caller's deadline from x-tensorwall-timeout-ms across attempts", async () => {
    gw.east.behave("gpt4o-ptu", { kind: "hang" });
    const aborts = gw.east.clientAborts;
    const started = Date.now();
    const result = await gw.post(hello, { "x-tensorwall-timeout-ms": "200" });
    expect(result.status).toBe(504);
    expect(result.json.error?.code).toBe("upstream_timeout");
    expect(Date.now() - started).toBeLessThan(1500);
    await gw.east.waitForClientAborts(aborts + 1);
    expect(gw.west.requests).toHaveLength(0);
  });

  it("refuses a malformed x-tensorwall-timeout-ms", async () => {
    const result = await gw.post(hello, { "x-tensorwall-timeout-ms": "soon" });
    expect(result.status).toBe(400);
    expect(result.json.error?.message).toContain("x-tensorwall-timeout-ms");
  });

  it("resolves azure/<route> to the route, and azure/<deployment> to that Azure deployment", async () => {
    expect(served((await gw.post({ ...hello, model: "azure/gpt-4o" })).headers)).toMatchObject({ route: "gpt-4o", endpoint: "eastus" });
    expect(served((await gw.post({ ...hello, model: "azure/gpt4o-paygo" })).headers)).toMatchObject({ route: "gpt4o-paygo", endpoint: "westeu" });
    const unknown = await gw.post({ ...hello, model: "gpt-5" });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error?.code).toBe("model_not_found");
  });

  it("lists the routes as models", async () => {
    const response = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${gw.adminKey}` } });
    const body = (await response.json()) as { data: { id: string }[] };
    expect(body.data.map((model) => model.id)).toEqual(["gpt-4o"]);
  });

  it("reports the attempts and region on RPC too", async () => {
    gw.east.behave("gpt4o-ptu", { kind: "status503" });
    const client = createClient(ChatService, createGrpcTransport({
      baseUrl: gw.url,
      interceptors: [(next) => (req) => {
        req.header.set("authorization", `Bearer ${gw.adminKey}`);
        return next(req);
      }],
    }));
    const response = await client.createChatCompletion({ model: "gpt-4o", messages: [{ role: Role.USER, content: "Hi" }] });
    expect(response.servedBy).toMatchObject({ route: "gpt-4o", deployment: "gpt4o-paygo", endpoint: "westeu", region: "westeurope", model: "gpt-4o", attempts: 2 });

    gw.east.behave("gpt4o-ptu", { kind: "hang" });
    const aborts = gw.east.clientAborts;
    const failure = await client
      .createChatCompletion({ model: "gpt-4o", messages: [{ role: Role.USER, content: "Hi" }] }, { timeoutMs: 200 })
      .catch((error: unknown) => error);
    expect(ConnectError.from(failure).code).toBe(Code.DeadlineExceeded);
    await gw.east.waitForClientAborts(aborts + 1);
  });
});

describe("429 cooldowns, on the gateway's clock", () => {
  const clock = new ManualClock();
  let gw: PoolGateway;
  beforeAll(async () => {
    gw = await startPoolGateway({ clock: clock.now });
  });
  afterAll(() => gw.close());
  beforeEach(async () => {
    gw.east.reset();
    gw.west.reset();
    clock.advance(3_600_000);
  });
  afterEach(() => expect(gw.unexpectedErrors).toEqual([]));

  async function eastCooldownMs(): Promise<number | undefined> {
    const { deployments } = await gw.admin.listDeployments({});
    const east = deployments.find((deployment) => deployment.id === "eastus/gpt4o-ptu");
    const until = east?.cooldownUntil;
    return until === undefined ? undefined : Number(until.seconds) * 1000 + until.nanos / 1e6 - clock.now();
  }

  it("cools a region down for exactly Azure's retry-after-ms, sending it nothing until then", async () => {
    gw.east.behave("gpt4o-ptu", { kind: "status429", retryAfterMs: 1500 });
    expect(served((await gw.post(hello)).headers)).toMatchObject({ endpoint: "westeu", attempts: "2" });
    expect(await eastCooldownMs()).toBe(1500);

    clock.advance(1499);
    expect(served((await gw.post(hello)).headers)).toMatchObject({ endpoint: "westeu", attempts: "1" });
    clock.advance(1);
    expect(served((await gw.post(hello)).headers)).toMatchObject({ endpoint: "eastus", attempts: "1" });
    expect(gw.east.requests).toHaveLength(2);
  });

  it("reads a Retry-After in seconds the same way", async () => {
    gw.east.behave("gpt4o-ptu", { kind: "status429", retryAfter: "3" });
    await gw.post(hello);
    expect(await eastCooldownMs()).toBe(3000);
    clock.advance(3000);
  });

  it("answers 429 with Retry-After of the earliest recovery when every region cools down past the deadline", async () => {
    gw.east.behave("gpt4o-ptu", { kind: "status429", retryAfterMs: 40_000 });
    gw.west.behave("gpt4o-paygo", { kind: "status429", retryAfterMs: 25_000 });
    const result = await gw.post(hello);
    expect(result.status).toBe(429);
    expect(result.json.error?.code).toBe("upstream_rate_limited");
    expect(result.headers.get("retry-after-ms")).toBe("25000");
    expect(result.headers.get("retry-after")).toBe("25");

    clock.advance(5000);
    const next = await gw.post(hello);
    expect(next.headers.get("retry-after-ms")).toBe("20000");
    expect(gw.east.requests.length + gw.west.requests.length).toBe(2);
  });
});

describe("when every region cools down briefly", () => {
  let gw: PoolGateway;
  beforeAll(async () => {
    gw = await startPoolGateway();
  });
  afterAll(() => gw.close());

  it("waits for the first region to recover within the deadline instead of answering 429", async () => {
    gw.east.behave("gpt4o-ptu", { kind: "status429", retryAfterMs: 5000 });
    gw.west.behave("gpt4o-paygo", { kind: "status429", retryAfterMs: 60 });
    const started = Date.now();
    const result = await gw.post(hello);
    expect(result.status).toBe(200);
    expect(served(result.headers)).toMatchObject({ endpoint: "westeu", attempts: "3" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(gw.unexpectedErrors).toEqual([]);
  });
});
