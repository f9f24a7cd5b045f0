import type { JsonObject } from "@bufbuild/protobuf";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AzureClient, EndpointAllowlist, type AzureClientOptions, type AzureTarget } from "../../src/azure/index.js";
import { GatewayError, type ErrorCode } from "../../src/errors/index.js";
import { startFakeAzure, type FakeAzure } from "../support/fake-azure.js";

const API_KEY = "fake-azure-key";
const hello: JsonObject = { messages: [{ role: "user", content: "Hello!" }] };
const streamHello: JsonObject = { ...hello, stream: true, stream_options: { include_usage: true } };

let fake: FakeAzure;
let client: AzureClient | undefined;

beforeAll(async () => {
  fake = await startFakeAzure({ apiKey: API_KEY, deployments: ["gpt-4o", "gpt-4o-mini", "odd name/é"], region: "eastus", acceptedBearerTokens: ["entra-token"] });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());
afterEach(async () => {
  await client?.close();
  client = undefined;
});

function newClient(options: AzureClientOptions = {}): AzureClient {
  client = new AzureClient(options);
  return client;
}

function target(overrides: Partial<AzureTarget> = {}): AzureTarget {
  return { endpointUrl: fake.url, deployment: "gpt-4o", apiVersion: "2024-10-21", auth: { kind: "api_key", apiKey: API_KEY }, ...overrides };
}

const never = (): AbortSignal => new AbortController().signal;

async function failure(promise: Promise<unknown>, code: ErrorCode): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe(code);
    return error as GatewayError;
  }
  throw new Error(`expected GatewayError ${code}, got success`);
}

/** Reads a stream to its end or failure; returns what arrived and how it ended. */
async function drain(chunks: AsyncIterable<JsonObject>): Promise<{ received: JsonObject[]; error: unknown }> {
  const received: JsonObject[] = [];
  try {
    for await (const chunk of chunks) received.push(chunk);
  } catch (error) {
    return { received, error };
  }
  return { received, error: undefined };
}

/** An Azure stand-in that answers every request 200 with `pieces` written one by one: chunked, no content-length. */
async function chunkedAzure(pieces: readonly string[]): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createHttpServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      for (const piece of pieces) res.write(piece);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function contentOf(chunks: readonly JsonObject[]): string {
  return chunks
    .map((chunk) => ((chunk["choices"] as JsonObject[] | undefined)?.[0]?.["delta"] as JsonObject | undefined)?.["content"])
    .filter((content): content is string => typeof content === "string")
    .join("");
}

describe("AzureClient.complete", () => {
  it("returns Azure's completion with its request id and region", async () => {
    const { body, meta } = await newClient().complete(target(), hello, never());
    expect(body["object"]).toBe("chat.completion");
    expect((body["choices"] as JsonObject[])[0]?.["message"]).toMatchObject({ role: "assistant", content: "Hello from gpt-4o" });
    expect(meta.status).toBe(200);
    expect(meta.region).toBe("eastus");
    expect(meta.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("posts the body unchanged to the deployments URL with the api-key and JSON headers", async () => {
    const body = Object.freeze({ ...hello, temperature: 0.5 });
    await newClient().complete(target(), body, never());
    const sent = fake.requests.at(-1)!;
    expect(sent.method).toBe("POST");
    expect(sent.path).toBe("/openai/deployments/gpt-4o/chat/completions");
    expect(sent.query.get("api-version")).toBe("2024-10-21");
    expect(sent.headers["api-key"]).toBe(API_KEY);
    expect(sent.headers["authorization"]).toBeUndefined();
    expect(sent.headers["content-type"]).toBe("application/json");
    expect(sent.headers["accept"]).toBe("application/json");
    expect(sent.body).toEqual(body);
  });

  it("encodes the deployment name into the path", async () => {
    const { body } = await newClient().complete(target({ deployment: "odd name/é" }), hello, never());
    expect(fake.requests.at(-1)!.path).toBe("/openai/deployments/odd%20name%2F%C3%A9/chat/completions");
    expect((body["choices"] as JsonObject[])[0]?.["message"]).toMatchObject({ content: "Hello from odd name/é" });
  });

  it("names the deployment in the body's model on the v1 API", async () => {
    await newClient().complete(target({ apiVersion: "v1", endpointUrl: `${fake.url}/` }), hello, never());
    const sent = fake.requests.at(-1)!;
    expect(sent.path).toBe("/openai/v1/chat/completions");
    expect(sent.query.has("api-version")).toBe(false);
    expect(sent.body).toEqual({ ...hello, model: "gpt-4o" });
  });

  it("sends an Entra ID token as a bearer token, asking the token source with the caller's signal", async () => {
    const signal = never();
    let seen: AbortSignal | undefined;
    const auth = { kind: "bearer" as const, getToken: async (s: AbortSignal) => ((seen = s), "entra-token") };
    await newClient().complete(target({ auth }), hello, signal);
    expect(seen).toBe(signal);
    expect(fake.requests.at(-1)!.headers["authorization"]).toBe("Bearer entra-token");
    expect(fake.requests.at(-1)!.headers["api-key"]).toBeUndefined();
  });

  it("reports a failing token source as upstream_auth_failed without calling Azure", async () => {
    const auth = { kind: "bearer" as const, getToken: () => Promise.reject(new Error("no managed identity")) };
    const error = await failure(newClient().complete(target({ auth }), hello, never()), "upstream_auth_failed");
    expect(error.message).not.toContain("managed identity");
    expect(fake.requests).toHaveLength(0);
  });

  it("maps a wrong key to upstream_auth_failed without Azure's text or the key", async () => {
    const auth = { kind: "api_key" as const, apiKey: "wrong-key-123" };
    const error = await failure(newClient().complete(target({ auth }), hello, never()), "upstream_auth_failed");
    expect(error.message).not.toContain("wrong-key-123");
    expect(error.message).not.toContain("subscription key");
  });

  it("maps an unknown deployment to deployment_not_found naming it", async () => {
    const error = await failure(newClient().complete(target({ deployment: "gpt-5" }), hello, never()), "deployment_not_found");
    expect(error.message).toContain('"gpt-5"');
  });

  it("maps 429 to upstream_rate_limited with Azure's retry-after-ms", async () => {
    fake.behave("gpt-4o", { kind: "status429", retryAfterMs: 1234, retryAfter: 2 });
    const error = await failure(newClient().complete(target(), hello, never()), "upstream_rate_limited");
    expect(error.retryAfterMs).toBe(1234);
  });

  it("clamps a day-long Retry-After to maxRetryAfterMs", async () => {
    fake.behave("*", { kind: "status429", retryAfter: 86400 });
    const error = await failure(newClient({ maxRetryAfterMs: 5_000 }).complete(target(), hello, never()), "upstream_rate_limited");
    expect(error.retryAfterMs).toBe(5_000);
  });

  it("maps 500 and 503 to upstream_error", async () => {
    fake.behave("gpt-4o", { kind: "status500" });
    fake.behave("gpt-4o", { kind: "status503", retryAfter: 3 });
    const azure = newClient();
    expect((await failure(azure.complete(target(), hello, never()), "upstream_error")).retryAfterMs).toBeUndefined();
    expect((await failure(azure.complete(target(), hello, never()), "upstream_error")).retryAfterMs).toBe(3000);
  });

  it("maps a content filter refusal to content_filter with Azure's filter result", async () => {
    fake.behave("gpt-4o", { kind: "contentFilter", category: "violence" });
    const error = await failure(newClient().complete(target(), hello, never()), "content_filter");
    expect(error.message).toMatch(/content management policy/);
    expect(error.detail).toMatchObject({
      innererror: { code: "ResponsibleAIPolicyViolation", content_filter_result: { violence: { filtered: true, severity: "medium" } } },
    });
  });

  it("does not follow a redirect", async () => {
    fake.behave("gpt-4o", { kind: "redirect", location: "/redirected" });
    const error = await failure(newClient().complete(target(), hello, never()), "upstream_error");
    expect(error.message).toMatch(/redirect/);
    expect(fake.requests.map((request) => request.path)).toEqual(["/openai/deployments/gpt-4o/chat/completions"]);
  });

  it("maps a 200 whose body is not JSON to upstream_error", async () => {
    fake.behave("gpt-4o", { kind: "garbage" });
    await failure(newClient().complete(target(), hello, never()), "upstream_error");
  });

  it("refuses a response larger than maxResponseBytes", async () => {
    fake.behave("gpt-4o", { kind: "normal", content: "x".repeat(5_000) });
    await failure(newClient({ maxResponseBytes: 2_000 }).complete(target(), hello, never()), "upstream_error");
  });

  it("reads a chunked body without a content-length whole", async () => {
    const azure = await chunkedAzure(['{"object":"chat.com', 'pletion","choices":[]}']);
    try {
      const { body } = await newClient().complete(target({ endpointUrl: azure.url }), hello, never());
      expect(body).toEqual({ object: "chat.completion", choices: [] });
    } finally {
      await azure.close();
    }
  });

  it("refuses a chunked body that grows past maxResponseBytes", async () => {
    const azure = await chunkedAzure(['{"padding":"', "x".repeat(1_500), "x".repeat(1_500), '"}']);
    try {
      await failure(newClient({ maxResponseBytes: 2_000 }).complete(target({ endpointUrl: azure.url }), hello, never()), "upstream_error");
    } finally {
      await azure.close();
    }
  });

  it("answers an error whose body is too large to read by its status and headers alone", async () => {
    const server = createHttpServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(429, { "content-type": "application/json", "retry-after": "7" });
        res.end(JSON.stringify({ error: { code: "429", message: "x".repeat(100_000) } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const endpointUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const error = await failure(newClient().complete(target({ endpointUrl }), hello, never()), "upstream_rate_limited");
      expect(error.retryAfterMs).toBe(7_000);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("cancels with request_canceled when the caller aborts while the body arrives, and Azure sees the connection close", async () => {
    fake.behave("gpt-4o", { kind: "hangMidStream" });
    const aborts = fake.clientAborts;
    const controller = new AbortController();
    const started: number[] = [];
    const pending = newClient().complete(target(), hello, controller.signal, {
      onResponse: (meta) => {
        started.push(meta.status);
        setTimeout(() => controller.abort(), 20);
      },
    });
    await failure(pending, "request_canceled");
    expect(started).toEqual([200]);
    await fake.waitForClientAborts(aborts + 1);
  });

  it("sends a target that changed since its last request where it now points", async () => {
    const reused = target();
    const azure = newClient();
    await azure.complete(reused, hello, never());
    reused.deployment = "gpt-4o-mini";
    await azure.complete(reused, hello, never());
    expect(fake.requests.map((request) => request.deployment)).toEqual(["gpt-4o", "gpt-4o-mini"]);
  });

  it("times out with upstream_timeout when Azure never answers, and drops the connection", async () => {
    fake.behave("gpt-4o", { kind: "hang" });
    const aborts = fake.clientAborts;
    await failure(newClient({ firstByteTimeoutMs: 200 }).complete(target(), hello, never()), "upstream_timeout");
    await fake.waitForClientAborts(aborts + 1);
  });

  it("maps a connection dropped halfway through the body to upstream_error", async () => {
    fake.behave("gpt-4o", { kind: "dieMidStream" });
    await failure(newClient().complete(target(), hello, never()), "upstream_error");
  });

  it("times out with upstream_timeout when the body stalls", async () => {
    fake.behave("gpt-4o", { kind: "hangMidStream" });
    await failure(newClient({ streamIdleTimeoutMs: 200 }).complete(target(), hello, never()), "upstream_timeout");
  });

  it("maps a refused connection to upstream_unavailable", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await failure(newClient().complete(target({ endpointUrl: `http://127.0.0.1:${port}` }), hello, never()), "upstream_unavailable");
  });

  it("cancels promptly with request_canceled when the caller aborts, and Azure sees the connection close", async () => {
    fake.behave("gpt-4o", { kind: "hang" });
    const aborts = fake.clientAborts;
    const controller = new AbortController();
    const pending = newClient().complete(target(), hello, controller.signal);
    await fake.waitForRequests(1);
    const started = Date.now();
    controller.abort();
    await failure(pending, "request_canceled");
    expect(Date.now() - started).toBeLessThan(1_000);
    await fake.waitForClientAborts(aborts + 1);
  });

  it("sends nothing when the signal has already fired", async () => {
    await failure(newClient().complete(target(), hello, AbortSignal.abort()), "request_canceled");
    expect(fake.requests).toHaveLength(0);
  });

  it("checks the endpoint against its allowlist before connecting, when given one", async () => {
    const azure = newClient({ endpointAllowlist: new EndpointAllowlist() });
    await failure(azure.complete(target(), hello, never()), "endpoint_not_allowed");
    expect(fake.requests).toHaveLength(0);
    const loopback = newClient({ endpointAllowlist: new EndpointAllowlist([fake.url]) });
    await expect(loopback.complete(target(), hello, never())).resolves.toBeDefined();
  });

  it("reuses one keep-alive connection for sequential requests, streamed or not", async () => {
    const azure = newClient();
    const before = fake.connectionCount;
    const abortsBefore = fake.clientAborts;
    // undici hands a socket back to the pool one event-loop turn after a response ends (it guards
    // against servers that close despite keep-alive); a request sent sooner gets a second socket.
    const nextTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));
    for (let i = 0; i < 3; i++) {
      await azure.complete(target(), hello, never());
      await nextTurn();
    }
    for (let i = 0; i < 2; i++) {
      const { chunks } = await azure.openStream(target(), streamHello, never());
      expect((await drain(chunks)).error).toBeUndefined();
      await nextTurn();
    }
    await azure.complete(target({ deployment: "gpt-4o-mini" }), hello, never());
    expect(fake.requests).toHaveLength(6);
    expect(fake.connectionCount - before).toBe(1);
    expect(fake.clientAborts).toBe(abortsBefore);
  });

  it("keeps the connection when a stream's response ends a little after [DONE]", async () => {
    fake.behave("gpt-4o", { kind: "normal", lingerAfterDoneMs: 50 });
    const azure = newClient();
    const before = fake.connectionCount;
    const abortsBefore = fake.clientAborts;
    const { chunks } = await azure.openStream(target(), streamHello, never());
    expect((await drain(chunks)).error).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await azure.complete(target(), hello, never());
    expect(fake.clientAborts).toBe(abortsBefore);
    expect(fake.connectionCount - before).toBe(1);
  });

  it("rejects nonsensical options with a message naming them", () => {
    expect(() => new AzureClient({ streamIdleTimeoutMs: 0 })).toThrow("streamIdleTimeoutMs");
    expect(() => new AzureClient({ connectTimeoutMs: Number.NaN })).toThrow("connectTimeoutMs");
    expect(() => new AzureClient({ maxConnectionsPerEndpoint: 1.5 })).toThrow("maxConnectionsPerEndpoint");
  });
});

describe("AzureClient.openStream", () => {
  it("yields Azure's chunks in order, starting with the empty prompt-filter chunk and ending with usage", async () => {
    const { chunks, meta } = await newClient().openStream(target(), streamHello, never());
    expect(meta).toMatchObject({ status: 200, region: "eastus" });
    const { received, error } = await drain(chunks);
    expect(error).toBeUndefined();
    expect(received[0]).toMatchObject({ choices: [], id: "", model: "", object: "", prompt_filter_results: [{ prompt_index: 0 }] });
    expect(received[1]).toMatchObject({ object: "chat.completion.chunk", choices: [{ delta: { role: "assistant", content: "" } }] });
    expect(contentOf(received)).toBe("Hello from gpt-4o");
    const finish = received.at(-2)!;
    expect((finish["choices"] as JsonObject[])[0]?.["finish_reason"]).toBe("stop");
    const usage = received.at(-1)!;
    expect(usage["choices"]).toEqual([]);
    expect(usage["usage"]).toMatchObject({ completion_tokens: 3, prompt_tokens_details: { cached_tokens: 0 } });
  });

  it("sends the body as given and asks for an event stream", async () => {
    const { chunks } = await newClient().openStream(target(), streamHello, never());
    await drain(chunks);
    const sent = fake.requests.at(-1)!;
    expect(sent.body).toEqual(streamHello);
    expect(sent.headers["accept"]).toBe("text/event-stream");
  });

  it("sends a large body whole, with its length and without chunked encoding", async () => {
    const large: JsonObject = { ...streamHello, messages: [{ role: "user", content: "é".repeat(40_000) }] };
    const { chunks } = await newClient().openStream(target(), large, never());
    await drain(chunks);
    const sent = fake.requests.at(-1)!;
    expect(sent.body).toEqual(large);
    expect(sent.headers["content-length"]).toBe(String(Buffer.byteLength(JSON.stringify(large))));
    expect(sent.headers["transfer-encoding"]).toBeUndefined();
  });

  it("yields each chunk as it arrives, before the stream ends", async () => {
    fake.behave("gpt-4o", { kind: "hangMidStream", afterEvents: 3 });
    const controller = new AbortController();
    const { chunks } = await newClient().openStream(target(), streamHello, controller.signal);
    const iterator = chunks[Symbol.asyncIterator]();
    for (let i = 0; i < 3; i++) expect((await iterator.next()).done).toBe(false);
  });

  it("fails a read waiting on a silent stream with request_canceled as soon as the caller aborts", async () => {
    fake.behave("gpt-4o", { kind: "hangMidStream", afterEvents: 1 });
    const aborts = fake.clientAborts;
    const controller = new AbortController();
    const { chunks } = await newClient().openStream(target(), streamHello, controller.signal);
    const iterator = chunks[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    const waiting = iterator.next();
    // Let the read reach the network before aborting.
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    await failure(waiting, "request_canceled");
    await fake.waitForClientAborts(aborts + 1);
  });

  it("fails before yielding anything when Azure refuses, so the caller can fail over", async () => {
    fake.behave("gpt-4o", { kind: "status429", retryAfterMs: 10 });
    const azure = newClient();
    await failure(azure.openStream(target(), streamHello, never()), "upstream_rate_limited");
    await failure(azure.openStream(target({ deployment: "nope" }), streamHello, never()), "deployment_not_found");
    fake.behave("gpt-4o", { kind: "contentFilter" });
    await failure(azure.openStream(target(), streamHello, never()), "content_filter");
  });

  it("refuses a 2xx answer that is not an event stream", async () => {
    await failure(newClient().openStream(target(), hello, never()), "upstream_error");
  });

  it("fails with upstream_timeout when the stream goes quiet, and aborts the upstream request", async () => {
    fake.behave("gpt-4o", { kind: "hangMidStream", afterEvents: 3 });
    const aborts = fake.clientAborts;
    const { chunks } = await newClient({ streamIdleTimeoutMs: 200 }).openStream(target(), streamHello, never());
    const { received, error } = await drain(chunks);
    expect(received).toHaveLength(3);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe("upstream_timeout");
    await fake.waitForClientAborts(aborts + 1);
  });

  it("ends with an error, never a success, when Azure drops the connection mid-stream", async () => {
    fake.behave("gpt-4o", { kind: "dieMidStream", afterEvents: 4 });
    const { chunks } = await newClient().openStream(target(), streamHello, never());
    const { received, error } = await drain(chunks);
    expect(received).toHaveLength(4);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe("upstream_error");
  });

  it("ends with upstream_error when Azure sends an error event mid-stream", async () => {
    fake.behave("gpt-4o", { kind: "errorMidStream", afterEvents: 3 });
    const { chunks } = await newClient().openStream(target(), streamHello, never());
    const { received, error } = await drain(chunks);
    expect(received).toHaveLength(3);
    expect((error as GatewayError).code).toBe("upstream_error");
  });

  it("ends with upstream_error when Azure closes the stream cleanly but without [DONE]", async () => {
    fake.behave("gpt-4o", { kind: "garbage", contentType: "text/event-stream", body: 'data: {"choices":[]}\n\n' });
    const { chunks } = await newClient().openStream(target(), streamHello, never());
    const { received, error } = await drain(chunks);
    expect(received).toHaveLength(1);
    expect((error as GatewayError).code).toBe("upstream_error");
    expect((error as GatewayError).message).toBe("Azure ended the stream early.");
  });

  it("ends with upstream_error on an event that is not JSON", async () => {
    fake.behave("gpt-4o", { kind: "garbage", contentType: "text/event-stream", body: 'data: {"choices":[]}\n\ndata: {oops\n\n' });
    const { chunks } = await newClient().openStream(target(), streamHello, never());
    const { received, error } = await drain(chunks);
    expect(received).toHaveLength(1);
    expect((error as GatewayError).code).toBe("upstream_error");
  });

  it("aborts the upstream request when the consumer stops iterating early", async () => {
    fake.behave("gpt-4o", { kind: "normal", chunks: 20, chunkDelayMs: 50 });
    const aborts = fake.clientAborts;
    const { chunks } = await newClient().openStream(target(), streamHello, never());
    let seen = 0;
    for await (const _chunk of chunks) {
      if (++seen === 3) break;
    }
    await fake.waitForClientAborts(aborts + 1);
    expect(fake.clientAborts).toBe(aborts + 1);
  });

  it("aborts the upstream request even when the consumer stops before the first chunk", async () => {
    fake.behave("gpt-4o", { kind: "hangMidStream", afterEvents: 0 });
    const aborts = fake.clientAborts;
    const { chunks } = await newClient().openStream(target(), streamHello, never());
    await chunks[Symbol.asyncIterator]().return?.();
    await fake.waitForClientAborts(aborts + 1);
  });

  it("fails with request_canceled when the caller aborts mid-stream, and Azure sees the connection close", async () => {
    fake.behave("gpt-4o", { kind: "normal", chunks: 50, chunkDelayMs: 50 });
    const aborts = fake.clientAborts;
    const controller = new AbortController();
    const { chunks } = await newClient().openStream(target(), streamHello, controller.signal);
    const received: JsonObject[] = [];
    const error = await (async () => {
      try {
        for await (const chunk of chunks) {
          received.push(chunk);
          if (received.length === 3) controller.abort();
        }
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect((error as GatewayError).code).toBe("request_canceled");
    expect(received).toHaveLength(3);
    await fake.waitForClientAborts(aborts + 1);
  });
});
