import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeAzure, type FakeAzure } from "../support/fake-azure.js";

// The fake stands in for Azure in every integration test, so its wire format is tested too.

let fake: FakeAzure;
beforeAll(async () => {
  fake = await startFakeAzure({ apiKey: "k", deployments: ["gpt-4o"], acceptedBearerTokens: ["t"] });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

const hello = { messages: [{ role: "user", content: "Hi" }] };
const weatherTool = {
  type: "function",
  function: { name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } } } },
};

async function post(path: string, body: unknown, headers: Record<string, string> = { "api-key": "k" }) {
  const response = await fetch(`${fake.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const chatPath = "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21";

function events(text: string): unknown[] {
  return text
    .split("\n\n")
    .filter((event) => event.startsWith("data: "))
    .map((event) => event.slice("data: ".length))
    .map((data) => (data === "[DONE]" ? data : JSON.parse(data)));
}

describe("fake Azure", () => {
  it("answers 401 with Azure's body for a wrong key, and accepts listed bearer tokens", async () => {
    const refused = await post(chatPath, hello, { "api-key": "nope" });
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.text).error.code).toBe("401");
    expect((await post(chatPath, hello, { authorization: "Bearer t" })).status).toBe(200);
    expect((await post(chatPath, hello, { authorization: "Bearer other" })).status).toBe(401);
  });

  it("answers 404 DeploymentNotFound for an unknown deployment and 400 without api-version", async () => {
    const missing = await post("/openai/deployments/gpt-5/chat/completions?api-version=2024-10-21", hello);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text).error.code).toBe("DeploymentNotFound");
    expect((await post("/openai/deployments/gpt-4o/chat/completions", hello)).status).toBe(400);
  });

  it("serves the v1 API with the deployment in model", async () => {
    const reply = await post("/openai/v1/chat/completions", { ...hello, model: "gpt-4o" });
    expect(reply.status).toBe(200);
    expect(fake.requests[0]?.deployment).toBe("gpt-4o");
  });

  it("answers a realistic chat.completion with content-filter results and usage details", async () => {
    const reply = await post(chatPath, hello);
    const body = JSON.parse(reply.text);
    expect(reply.headers.get("apim-request-id")).toBeTruthy();
    expect(body).toMatchObject({
      id: expect.stringMatching(/^chatcmpl-/),
      object: "chat.completion",
      model: "gpt-4o-2024-08-06",
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: { jailbreak: { filtered: false, detected: false } } }],
      choices: [
        {
          finish_reason: "stop",
          logprobs: null,
          message: { role: "assistant", content: "Hello from gpt-4o", refusal: null },
          content_filter_results: { hate: { filtered: false, severity: "safe" } },
        },
      ],
      usage: { prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
    });
  });

  it("calls the first tool unless tool_choice is none", async () => {
    const call = JSON.parse((await post(chatPath, { ...hello, tools: [weatherTool] })).text);
    expect(call.choices[0]).toMatchObject({
      finish_reason: "tool_calls",
      message: { content: null, tool_calls: [{ type: "function", function: { name: "get_weather" } }] },
    });
    expect(JSON.parse(call.choices[0].message.tool_calls[0].function.arguments)).toEqual({ location: "Paris" });
    const text = JSON.parse((await post(chatPath, { ...hello, tools: [weatherTool], tool_choice: "none" })).text);
    expect(text.choices[0].finish_reason).toBe("stop");
  });

  it("streams tool call arguments across several chunks, the first carrying id, type and name", async () => {
    const stream = events((await post(chatPath, { ...hello, stream: true, tools: [weatherTool] })).text);
    const deltas = stream.slice(1, -2).map((event) => (event as { choices: { delta: { tool_calls: unknown[] } }[] }).choices[0]!.delta);
    expect(deltas[0]).toMatchObject({ role: "assistant", tool_calls: [{ index: 0, id: expect.stringMatching(/^call_/), type: "function", function: { name: "get_weather", arguments: "" } }] });
    const pieces = deltas.slice(1).map((delta) => (delta.tool_calls[0] as { function: { arguments: string } }).function.arguments);
    expect(pieces.length).toBeGreaterThan(1);
    expect(JSON.parse(pieces.join(""))).toEqual({ location: "Paris" });
    expect(stream.at(-1)).toBe("[DONE]");
  });

  it("streams like Azure: empty prompt-filter chunk, role, content, finish, usage, [DONE]", async () => {
    fake.behave("gpt-4o", { kind: "normal", content: "abcdef", chunks: 3 });
    const reply = await post(chatPath, { ...hello, stream: true, stream_options: { include_usage: true } });
    expect(reply.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const stream = events(reply.text) as Record<string, any>[];
    expect(stream[0]).toEqual(expect.objectContaining({ choices: [], id: "", model: "", object: "" }));
    expect(stream[1]!.choices[0].delta).toEqual({ content: "", refusal: null, role: "assistant" });
    expect(stream.slice(2, 5).map((chunk) => chunk.choices[0].delta.content)).toEqual(["ab", "cd", "ef"]);
    expect(stream[3]!.choices[0].content_filter_offsets).toEqual({ check_offset: 0, start_offset: 2, end_offset: 4 });
    expect(stream[5]!.choices[0].finish_reason).toBe("stop");
    expect(stream[6]).toMatchObject({ choices: [], usage: { completion_tokens: 3 } });
    expect(stream[7]).toBe("[DONE]");
  });

  it("plays one-off scripts before standing ones, exact deployments before '*'", async () => {
    fake.behave("*", { kind: "status500" }, { times: Infinity });
    fake.behave("*", { kind: "status503" });
    fake.behave("gpt-4o", { kind: "contentFilter" });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(chatPath, hello)).status);
    expect(statuses).toEqual([400, 503, 500, 500]);
  });

  it("sends both retry headers with a 429", async () => {
    fake.behave("gpt-4o", { kind: "status429", retryAfterMs: 1500, retryAfter: 2 });
    const reply = await post(chatPath, hello);
    expect(reply.status).toBe(429);
    expect(reply.headers.get("retry-after-ms")).toBe("1500");
    expect(reply.headers.get("retry-after")).toBe("2");
  });
});
