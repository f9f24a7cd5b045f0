import OpenAI, { AzureOpenAI } from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/gateway-harness.js";

let gw: TestGateway;
let key: string;
let openai: OpenAI;

beforeAll(async () => {
  gw = await startTestGateway();
  key = (await gw.createKey()).secret;
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
});
afterAll(() => gw.close());
afterEach(() => expect(gw.unexpectedErrors).toEqual([]));

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Get weather data",
    parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
  },
};

describe("REST bridge with the openai SDK", () => {
  it("answers a chat completion in OpenAI's shape, saying where it was served", async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: "azure/gpt-4o", messages: [{ role: "user", content: "Hello!" }] })
      .withResponse();
    expect(data.object).toBe("chat.completion");
    expect(data.choices[0]?.message.role).toBe("assistant");
    expect(data.choices[0]?.message.content).toContain("gpt-4o");
    expect(data.choices[0]?.finish_reason).toBe("stop");
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(data.usage?.prompt_tokens_details?.cached_tokens).toBeTypeOf("number");
    expect(data.usage?.completion_tokens_details?.reasoning_tokens).toBeTypeOf("number");
    expect(response.headers.get("x-tensorwall-deployment")).toBe("gpt-4o");
    expect(response.headers.get("x-tensorwall-region")).toBe("eastus");
    expect(response.headers.get("x-tensorwall-attempts")).toBe("1");
  });

  it("sends Azure the deployment URL, api-version and its own key, never the gateway key", async () => {
    await openai.chat.completions.create({ model: "azure/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });
    const sent = gw.fake.requests.at(-1)!;
    expect(sent.path).toBe("/openai/deployments/gpt-4o-mini/chat/completions");
    expect(sent.query.get("api-version")).toBe("2024-10-21");
    expect(sent.headers["api-key"]).toBe("fake-azure-key-0123456789");
    expect(JSON.stringify(sent.headers)).not.toContain(key);
    expect(sent.body).not.toHaveProperty("model");
  });

  it("passes the caller's parameters through and invents none", async () => {
    await openai.chat.completions.create({
      model: "azure/gpt-4o",
      messages: [
        { role: "developer", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: "https://example.com/a.png", detail: "low" } }] },
      ],
      temperature: 0.2,
      max_completion_tokens: 50,
      stop: "END",
      seed: 7,
      response_format: { type: "json_object" },
      // A parameter TensorWall does not model yet still reaches Azure.
      ...({ store: true, metadata: { team: "a" } } as object),
    });
    expect(gw.fake.requests.at(-1)!.body).toEqual({
      messages: [
        { role: "developer", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: "https://example.com/a.png", detail: "low" } }] },
      ],
      temperature: 0.2,
      max_completion_tokens: 50,
      stop: ["END"],
      seed: 7,
      response_format: { type: "json_object" },
      store: true,
      metadata: { team: "a" },
    });
  });

  it("returns tool calls", async () => {
    const completion = await openai.chat.completions.create({
      model: "azure/gpt-4o",
      messages: [{ role: "user", content: "What's the weather in Paris?" }],
      tools: [weatherTool],
      tool_choice: "auto",
    });
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    const call = choice.message.tool_calls![0]!;
    expect(call.type).toBe("function");
    expect(call.type === "function" && call.function.name).toBe("get_weather");
    expect(call.type === "function" && JSON.parse(call.function.arguments)).toBeTypeOf("object");
  });

  it("streams chunks that the SDK assembles, surviving Azure's empty first chunk", async () => {
    const stream = await openai.chat.completions.create({
      model: "azure/gpt-4o",
      messages: [{ role: "user", content: "Count" }],
      stream: true,
    });
    let text = "";
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      text += chunk.choices[0]?.delta.content ?? "";
      expect(chunk.usage ?? undefined).toBeUndefined();
    }
    expect(chunks).toBeGreaterThan(2);
    expect(text.length).toBeGreaterThan(0);
    const sent = gw.fake.requests.at(-1)!.body as Record<string, unknown>;
    expect(sent.stream).toBe(true);
    expect(sent.stream_options).toEqual({ include_usage: true });
  });

  it("gives the final usage chunk to a stream that asked for it", async () => {
    const stream = await openai.chat.completions.create({
      model: "azure/gpt-4o",
      messages: [{ role: "user", content: "Count" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) usage = chunk.usage ?? usage;
    expect(usage?.total_tokens).toBeGreaterThan(0);
  });

  it("works with the SDK's stream helper and finalChatCompletion, tool calls included", async () => {
    const runner = openai.chat.completions.stream({
      model: "azure/gpt-4o",
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [weatherTool],
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0]!;
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    expect(call.type === "function" && call.function.name).toBe("get_weather");
    expect(call.type === "function" && JSON.parse(call.function.arguments)).toBeTypeOf("object");

    const textRunner = openai.chat.completions.stream({ model: "azure/gpt-4o", messages: [{ role: "user", content: "Hi" }] });
    const content = await textRunner.finalContent();
    expect(content?.length).toBeGreaterThan(0);
  });

  it("lists the configured models", async () => {
    const gwWithModels = await startTestGateway({ env: { AZURE_OPENAI_DEPLOYMENTS: "gpt-4o,gpt-4o-mini" } });
    try {
      const client = new OpenAI({ baseURL: `${gwWithModels.url}/v1`, apiKey: gwWithModels.adminKey, maxRetries: 0 });
      const models = [];
      for await (const model of client.models.list()) models.push(model.id);
      expect(models).toEqual(["gpt-4o", "gpt-4o-mini"]);
    } finally {
      await gwWithModels.close();
    }
  });
});

describe("REST bridge on Azure's own paths", () => {
  it("serves the AzureOpenAI SDK class with only the endpoint changed", async () => {
    const azure = new AzureOpenAI({ endpoint: gw.url, apiKey: key, apiVersion: "2024-10-21", deployment: "gpt-4o-mini", maxRetries: 0 });
    const completion = await azure.chat.completions.create({ model: "ignored", messages: [{ role: "user", content: "Hi" }] });
    expect(completion.choices[0]?.message.content).toContain("gpt-4o-mini");
    expect(gw.fake.requests.at(-1)!.path).toBe("/openai/deployments/gpt-4o-mini/chat/completions");
  });

  it("serves /openai/v1/chat/completions with the key in api-key", async () => {
    const response = await fetch(`${gw.url}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { "api-key": key, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { choices: unknown[] }).choices).toHaveLength(1);
  });

  it("accepts X-API-Key from curl-style callers", async () => {
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "x-api-key": key },
      body: JSON.stringify({ model: "azure/gpt-4o", messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(response.status).toBe(200);
  });
});

describe("Azure's v1 API", () => {
  it("sends the deployment in the body's model to /openai/v1/chat/completions", async () => {
    const v1 = await startTestGateway({ env: { AZURE_OPENAI_API_VERSION: "v1" } });
    try {
      const client = new OpenAI({ baseURL: `${v1.url}/v1`, apiKey: v1.adminKey, maxRetries: 0 });
      await client.chat.completions.create({ model: "azure/gpt-4o", messages: [{ role: "user", content: "Hi" }] });
      const sent = v1.fake.requests.at(-1)!;
      expect(sent.path).toBe("/openai/v1/chat/completions");
      expect((sent.body as { model: string }).model).toBe("gpt-4o");
    } finally {
      await v1.close();
    }
  });
});
