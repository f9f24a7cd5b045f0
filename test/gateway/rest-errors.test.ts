import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeAzure } from "../support/fake-azure.js";
import { startTestGateway, type TestGateway } from "../support/gateway-harness.js";

let gw: TestGateway;
let key: string;

beforeAll(async () => {
  gw = await startTestGateway({ env: { TENSORWALL_MAX_REQUEST_BYTES: "4096", TENSORWALL_FIRST_BYTE_TIMEOUT_MS: "300" } });
  key = (await gw.createKey()).secret;
});
afterAll(() => gw.close());
beforeEach(() => gw.fake.reset());
afterEach(() => expect(gw.unexpectedErrors).toEqual([]));

interface OpenAiError {
  error: { message: string; type: string; param: string | null; code: string; innererror?: unknown };
}

async function post(body: string | object, headers: Record<string, string> = { authorization: `Bearer ${key}` }, path = "/v1/chat/completions") {
  const response = await fetch(`${gw.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    get json(): OpenAiError {
      return JSON.parse(text) as OpenAiError;
    },
  };
}

const hello = { model: "azure/gpt-4o", messages: [{ role: "user", content: "Hello" }] };

function expectOpenAiError(result: { json: OpenAiError; text: string }, code: string, type: string): void {
  expect(Object.keys(result.json.error).sort()).toEqual(expect.arrayContaining(["code", "message", "param", "type"]));
  expect(result.json.error.code).toBe(code);
  expect(result.json.error.type).toBe(type);
  expect(result.text).not.toMatch(/at .+\.(ts|js):\d+/);
}

describe("REST errors in OpenAI's shape", () => {
  it("400 for a body that is not JSON", async () => {
    const result = await post("{not json");
    expect(result.status).toBe(400);
    expectOpenAiError(result, "invalid_json", "invalid_request_error");
  });

  it("400 naming the parameter for missing messages", async () => {
    const result = await post({ model: "azure/gpt-4o" });
    expect(result.status).toBe(400);
    expectOpenAiError(result, "invalid_request", "invalid_request_error");
    expect(result.json.error.param).toBe("messages");
  });

  it("400 naming the parameter for a wrong type", async () => {
    const result = await post({ ...hello, temperature: "hot" });
    expect(result.status).toBe(400);
    expect(result.json.error.param).toBe("temperature");
  });

  it("400 for a model the gateway does not serve", async () => {
    const listed = await startTestGateway({ env: { AZURE_OPENAI_DEPLOYMENTS: "gpt-4o" } });
    try {
      const response = await fetch(`${listed.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${listed.adminKey}` },
        body: JSON.stringify({ ...hello, model: "azure/gpt-5-nonexistent" }),
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as OpenAiError).error).toMatchObject({ code: "model_not_found", param: "model" });
      expect(listed.fake.requests).toHaveLength(0);
    } finally {
      await listed.close();
    }
  });

  it("401 without a gateway key, and 401 for a wrong one, without calling Azure", async () => {
    const missing = await post(hello, {});
    expect(missing.status).toBe(401);
    expectOpenAiError(missing, "missing_api_key", "invalid_request_error");
    const wrong = await post(hello, { authorization: `Bearer gw_${"x".repeat(43)}` });
    expect(wrong.status).toBe(401);
    expectOpenAiError(wrong, "invalid_api_key", "invalid_request_error");
    expect(gw.fake.requests).toHaveLength(0);
  });

  it("403 for a model outside the key's scope", async () => {
    const scoped = await gw.createKey({ allowedModels: ["azure/gpt-4o-mini"] });
    const result = await post(hello, { "x-api-key": scoped.secret });
    expect(result.status).toBe(403);
    expectOpenAiError(result, "permission_denied", "permission_error");
    expect((await post({ ...hello, model: "azure/gpt-4o-mini" }, { "x-api-key": scoped.secret })).status).toBe(200);
  });

  it("404 naming the deployment Azure does not have", async () => {
    const result = await post({ ...hello, model: "azure/missing-deployment" });
    expect(result.status).toBe(404);
    expectOpenAiError(result, "deployment_not_found", "invalid_request_error");
    expect(result.json.error.message).toContain("missing-deployment");
  });

  it("404 for a path the gateway does not serve, 405 for a wrong method", async () => {
    const unknown = await fetch(`${gw.url}/v1/embeddings`, { method: "POST", headers: { authorization: `Bearer ${key}` } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as OpenAiError).error.code).toBe("not_found");
    const wrongMethod = await fetch(`${gw.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${key}` } });
    expect(wrongMethod.status).toBe(405);
  });

  it("413 for a body over the configured limit", async () => {
    const result = await post({ ...hello, messages: [{ role: "user", content: "x".repeat(10_000) }] });
    expect(result.status).toBe(413);
    expectOpenAiError(result, "request_too_large", "invalid_request_error");
  });

  it("429 with Retry-After when Azure rate limits, clamped to the configured maximum", async () => {
    gw.fake.behave("gpt-4o", { kind: "status429", retryAfterMs: "1500" });
    const result = await post(hello);
    expect(result.status).toBe(429);
    expectOpenAiError(result, "upstream_rate_limited", "requests");
    expect(result.headers.get("retry-after")).toBe("2");
    expect(result.headers.get("retry-after-ms")).toBe("1500");

    gw.fake.behave("gpt-4o", { kind: "status429", retryAfter: "86400" });
    const clamped = await post(hello);
    expect(clamped.headers.get("retry-after")).toBe("60");
  });

  it("400 content_filter keeps Azure's filter result", async () => {
    gw.fake.behave("gpt-4o", { kind: "contentFilter", category: "violence" });
    const result = await post(hello);
    expect(result.status).toBe(400);
    expectOpenAiError(result, "content_filter", "invalid_request_error");
    expect(JSON.stringify(result.json.error.innererror)).toContain("violence");
  });

  it("502 upstream_auth_failed when Azure refuses the gateway's own credentials", async () => {
    const misconfigured = await startTestGateway({ env: { AZURE_OPENAI_API_KEY: "wrong-azure-key" } });
    try {
      const response = await fetch(`${misconfigured.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${misconfigured.adminKey}` },
        body: JSON.stringify(hello),
      });
      const text = await response.text();
      expect(response.status).toBe(502);
      expect((JSON.parse(text) as OpenAiError).error.code).toBe("upstream_auth_failed");
      expect(text).not.toContain("wrong-azure-key");
    } finally {
      await misconfigured.close();
    }
  });

  it("502 when Azure fails, 503 when it cannot be reached, 504 when it does not answer", async () => {
    gw.fake.behave("gpt-4o", { kind: "status500" });
    expect((await post(hello)).status).toBe(502);

    gw.fake.behave("gpt-4o", { kind: "hang" });
    const timedOut = await post(hello);
    expect(timedOut.status).toBe(504);
    expect(timedOut.json.error.code).toBe("upstream_timeout");

    const unreachable = await startTestGateway({ env: { AZURE_OPENAI_ENDPOINT: "http://127.0.0.1:1" } });
    try {
      const response = await fetch(`${unreachable.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${unreachable.adminKey}` },
        body: JSON.stringify(hello),
      });
      expect(response.status).toBe(503);
      expect(((await response.json()) as OpenAiError).error.code).toBe("upstream_unavailable");
    } finally {
      await unreachable.close();
    }
  });

  it("a key revoked between two requests is refused on the second", async () => {
    const doomed = await gw.createKey();
    expect((await post(hello, { "x-api-key": doomed.secret })).status).toBe(200);
    await gw.admin.revokeKey({ id: doomed.id });
    const refused = await post(hello, { "x-api-key": doomed.secret });
    expect(refused.status).toBe(401);
    expect(refused.json.error.code).toBe("invalid_api_key");
  });
});

describe("REST streams that fail", () => {
  it("a failure before the first byte is an ordinary error response", async () => {
    gw.fake.behave("gpt-4o", { kind: "status503" });
    const result = await post({ ...hello, stream: true });
    expect(result.status).toBe(502);
    expect(result.headers.get("content-type")).toContain("application/json");
  });

  it("Azure dying mid-stream ends the stream with an error event and no [DONE]", async () => {
    gw.fake.behave("gpt-4o", { kind: "dieMidStream", afterEvents: 3 });
    const result = await post({ ...hello, stream: true });
    expect(result.status).toBe(200);
    const events = result.text.split("\n\n").filter((event) => event.startsWith("data: "));
    expect(events.at(-1)).toContain('"error"');
    expect(result.text).not.toContain("[DONE]");
  });

  it("the openai SDK raises a mid-stream failure instead of returning a truncated answer", async () => {
    gw.fake.behave("gpt-4o", { kind: "dieMidStream", afterEvents: 3 });
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    const stream = await openai.chat.completions.create({ ...hello, messages: [{ role: "user", content: "Hi" }], stream: true });
    await expect(async () => {
      for await (const _chunk of stream) {
        // drain
      }
    }).rejects.toThrow();
  });
});

describe("cancellation", () => {
  it("a REST client that goes away mid-stream aborts the Azure request", async () => {
    gw.fake.behave("gpt-4o", { kind: "normal", chunks: 50, chunkDelayMs: 50 });
    const aborts = gw.fake.clientAborts;
    const controller = new AbortController();
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ ...hello, stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await gw.fake.waitForClientAborts(aborts + 1);
    expect(gw.fake.clientAborts).toBe(aborts + 1);
  });
});

describe("per-request Azure credentials", () => {
  it("refuses an endpoint outside the allowlist before connecting anywhere", async () => {
    const result = await post(hello, {
      authorization: `Bearer ${key}`,
      "x-azure-endpoint": "https://evil.example.com",
      "x-azure-api-key": "k",
    });
    expect(result.status).toBe(403);
    expectOpenAiError(result, "endpoint_not_allowed", "permission_error");
  });

  it.each(["http://contoso.openai.azure.com", "https://10.0.0.1", "https://user:pw@contoso.openai.azure.com", "not a url"])(
    "refuses %s",
    async (endpoint) => {
      const result = await post(hello, { authorization: `Bearer ${key}`, "x-azure-endpoint": endpoint, "x-azure-api-key": "k" });
      expect([400, 403]).toContain(result.status);
      expect(["invalid_endpoint", "endpoint_not_allowed"]).toContain(result.json.error.code);
    },
  );

  it("needs X-Azure-API-Key with X-Azure-Endpoint so the configured key never leaves", async () => {
    const result = await post(hello, { authorization: `Bearer ${key}`, "x-azure-endpoint": "https://contoso.openai.azure.com" });
    expect(result.status).toBe(400);
  });

  it("serves an allowlisted endpoint with the caller's Azure key", async () => {
    const callersAzure = await startFakeAzure({ apiKey: "callers-own-azure-key", deployments: ["gpt-4o"] });
    const allowlisted = await startTestGateway({ env: { TENSORWALL_ALLOWED_ENDPOINTS: callersAzure.url } });
    try {
      const response = await fetch(`${allowlisted.url}/v1/chat/completions`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${allowlisted.adminKey}`,
          "x-azure-endpoint": callersAzure.url,
          "x-azure-api-key": "callers-own-azure-key",
        },
        body: JSON.stringify(hello),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("x-tensorwall-endpoint")).toBe("request");
      expect(callersAzure.requests).toHaveLength(1);
      expect(allowlisted.fake.requests).toHaveLength(0);
    } finally {
      await allowlisted.close();
      await callersAzure.close();
    }
  });
});
