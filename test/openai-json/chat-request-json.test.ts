import { create, equals, fromBinary, toBinary, type JsonObject } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  ChatMessageSchema,
  CreateChatCompletionRequestSchema,
  ResponseFormat_Type,
  Role,
  ToolChoice_Mode,
} from "../../gen/tensorwall/v1/chat_pb.js";
import {
  MODELED_REQUEST_KEYS,
  chatRequestFromJson,
  chatRequestToJson,
} from "../../src/openai-json/index.js";

/** A body that sets every field the proto models, in the forms OpenAI documents. */
function everyModeledField(): JsonObject {
  return {
    model: "gpt-4o",
    stream: true,
    messages: [
      { role: "developer", content: "Answer in French.", name: "policy" },
      { role: "system", content: [{ type: "text", text: "You are terse." }] },
      {
        role: "user",
        name: "ana",
        content: [
          { type: "text", text: "What is in this picture, and what do I say?" },
          { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "high" } },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          { type: "input_audio", input_audio: { data: "UklGRiQAAABXQVZF", format: "wav" } },
        ],
      },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: "18°C and sunny" },
      { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "no data" }] },
      {
        role: "assistant",
        name: "bot",
        content: [
          { type: "text", text: "Here is part of it." },
          { type: "refusal", refusal: "I can't share the rest." },
        ],
        refusal: "I can't share the rest.",
      },
      { role: "user", content: "" },
    ],
    temperature: 0.7,
    top_p: 0.9,
    n: 2,
    stop: ["END", "STOP"],
    max_tokens: 256,
    max_completion_tokens: 512,
    presence_penalty: 0.5,
    frequency_penalty: -0.5,
    logit_bias: { "50256": -100, "1734": 2.5 },
    logprobs: true,
    top_logprobs: 3,
    seed: 42,
    user: "user-123",
    reasoning_effort: "low",
    tools: [
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Current weather for a city.",
          parameters: {
            type: "object",
            properties: { city: { type: "string" } },
            required: ["city"],
            additionalProperties: false,
          },
          strict: true,
        },
      },
      { type: "function", function: { name: "now" } },
    ],
    tool_choice: { type: "function", function: { name: "get_weather" } },
    parallel_tool_calls: false,
    response_format: {
      type: "json_schema",
      json_schema: {
        name: "forecast",
        description: "A weather forecast.",
        schema: { type: "object", properties: { summary: { type: "string" } } },
        strict: true,
      },
    },
    stream_options: { include_usage: true },
  };
}

function withoutModelAndStream(body: JsonObject): JsonObject {
  const { model: _model, stream: _stream, ...rest } = body;
  return rest;
}

function minimal(extra: JsonObject = {}): JsonObject {
  return { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], ...extra };
}

describe("chat request JSON round trip", () => {
  it("gives back the original body, less model and stream, when every modeled field is set", () => {
    const body = everyModeledField();
    const { request, stream } = chatRequestFromJson(body);
    expect(stream).toBe(true);
    expect(request.model).toBe("gpt-4o");
    expect(chatRequestToJson(request)).toEqual(withoutModelAndStream(body));
  });

  it("reads every modeled field into its proto field", () => {
    const { request } = chatRequestFromJson(everyModeledField());
    expect(request.messages.map((m) => m.role)).toEqual([
      Role.DEVELOPER,
      Role.SYSTEM,
      Role.USER,
      Role.ASSISTANT,
      Role.TOOL,
      Role.TOOL,
      Role.ASSISTANT,
      Role.USER,
    ]);
    expect(request.messages[2]?.contentParts.map((p) => p.part.case)).toEqual([
      "text",
      "imageUrl",
      "imageUrl",
      "inputAudio",
    ]);
    expect(request.messages[3]?.content).toBeUndefined();
    expect(request.messages[3]?.toolCalls[0]?.function?.arguments).toBe('{"city":"Paris"}');
    expect(request.messages[4]?.toolCallId).toBe("call_1");
    expect(request.messages[7]?.content).toBe("");
    expect(request).toMatchObject({
      temperature: 0.7,
      topP: 0.9,
      n: 2,
      stop: ["END", "STOP"],
      maxTokens: 256,
      maxCompletionTokens: 512,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
      logitBias: { "50256": -100, "1734": 2.5 },
      logprobs: true,
      topLogprobs: 3,
      seed: 42n,
      user: "user-123",
      reasoningEffort: "low",
      parallelToolCalls: false,
      streamOptions: { includeUsage: true },
    });
    expect(request.toolChoice?.choice).toEqual({ case: "functionName", value: "get_weather" });
    expect(request.responseFormat?.type).toBe(ResponseFormat_Type.JSON_SCHEMA);
    expect(request.responseFormat?.jsonSchema?.name).toBe("forecast");
    expect(request.tools[0]?.function?.parameters).toEqual({
      type: "object",
      properties: { city: { type: "string" } },
      required: ["city"],
      additionalProperties: false,
    });
    expect(request.extra).toBeUndefined();
  });

  it("builds messages equal to those create() builds, and that survive the binary wire", () => {
    const { request } = chatRequestFromJson({ ...everyModeledField(), store: true, metadata: { a: "b" } });
    const wire = fromBinary(CreateChatCompletionRequestSchema, toBinary(CreateChatCompletionRequestSchema, request));
    expect(equals(CreateChatCompletionRequestSchema, wire, request)).toBe(true);
    expect(chatRequestToJson(wire)).toEqual(withoutModelAndStream({ ...everyModeledField(), store: true, metadata: { a: "b" } }));

    const literal = chatRequestFromJson(minimal()).request.messages[0]!;
    expect(equals(ChatMessageSchema, literal, create(ChatMessageSchema, { role: Role.USER, content: "Hi" }))).toBe(
      true,
    );
  });

  it.each([
    ["none", ToolChoice_Mode.NONE],
    ["auto", ToolChoice_Mode.AUTO],
    ["required", ToolChoice_Mode.REQUIRED],
  ])("round-trips tool_choice %j as a mode", (mode, expected) => {
    const body = minimal({ tool_choice: mode });
    const { request } = chatRequestFromJson(body);
    expect(request.toolChoice?.choice).toEqual({ case: "mode", value: expected });
    expect(chatRequestToJson(request)).toEqual(withoutModelAndStream(body));
  });

  it.each([
    [{ type: "text" }, ResponseFormat_Type.TEXT],
    [{ type: "json_object" }, ResponseFormat_Type.JSON_OBJECT],
    [{ type: "json_schema", json_schema: { name: "bare" } }, ResponseFormat_Type.JSON_SCHEMA],
  ])("round-trips response_format %j", (format, expected) => {
    const body = minimal({ response_format: format });
    const { request } = chatRequestFromJson(body);
    expect(request.responseFormat?.type).toBe(expected);
    expect(chatRequestToJson(request)).toEqual(withoutModelAndStream(body));
  });

  it("turns a single stop string into a one-element list", () => {
    const { request } = chatRequestFromJson(minimal({ stop: "END" }));
    expect(request.stop).toEqual(["END"]);
    expect(chatRequestToJson(request)["stop"]).toEqual(["END"]);
  });

  it("sends a seed as a JSON number", () => {
    const { request } = chatRequestFromJson(minimal({ seed: -7 }));
    expect(request.seed).toBe(-7n);
    expect(chatRequestToJson(request)["seed"]).toBe(-7);
  });
});

describe("absent optional fields", () => {
  it("stay absent: a minimal body becomes exactly its messages", () => {
    const { request, stream } = chatRequestFromJson(minimal());
    expect(stream).toBe(false);
    expect(chatRequestToJson(request)).toEqual({ messages: [{ role: "user", content: "Hi" }] });
  });

  it("are not set on the message either", () => {
    const { request } = chatRequestFromJson(minimal());
    const unset = [
      request.temperature,
      request.topP,
      request.n,
      request.maxTokens,
      request.maxCompletionTokens,
      request.presencePenalty,
      request.frequencyPenalty,
      request.logprobs,
      request.topLogprobs,
      request.seed,
      request.user,
      request.reasoningEffort,
      request.toolChoice,
      request.parallelToolCalls,
      request.responseFormat,
      request.streamOptions,
      request.extra,
    ];
    expect(unset.every((value) => value === undefined)).toBe(true);
  });

  it("include every optional field sent as null", () => {
    const nulls: JsonObject = { stream: null };
    for (const key of MODELED_REQUEST_KEYS) {
      if (key !== "model" && key !== "messages" && key !== "stream") nulls[key] = null;
    }
    const { request, stream } = chatRequestFromJson(minimal(nulls));
    expect(stream).toBe(false);
    expect(request.extra).toBeUndefined();
    expect(chatRequestToJson(request)).toEqual({ messages: [{ role: "user", content: "Hi" }] });
  });

  it("include null optional message fields", () => {
    const body = minimal({
      messages: [
        { role: "user", content: "Hi", name: null },
        { role: "assistant", content: "Hello", refusal: null, tool_calls: null, name: null },
      ],
    });
    expect(chatRequestToJson(chatRequestFromJson(body).request)["messages"]).toEqual([
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello" },
    ]);
  });

  it("leave an image's detail out when the caller left it out", () => {
    const body = minimal({
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x/y.png", detail: null } }] }],
    });
    expect(chatRequestToJson(chatRequestFromJson(body).request)["messages"]).toEqual([
      { role: "user", content: [{ type: "image_url", image_url: { url: "https://x/y.png" } }] },
    ]);
  });
});

describe("unmodeled top-level keys", () => {
  it("travel in extra unchanged and reach the JSON for Azure", () => {
    const metadata = { team: "search", ticket: "T-1" };
    const dataSources = [{ type: "azure_search", parameters: { endpoint: "https://s.search.windows.net" } }];
    const body = minimal({
      store: true,
      metadata,
      modalities: ["text", "audio"],
      audio: { voice: "alloy", format: "wav" },
      prediction: { type: "content", content: "draft" },
      web_search_options: {},
      data_sources: dataSources,
      a_parameter_from_next_year: { nested: [1, null, "x"] },
    });
    const { request } = chatRequestFromJson(body);
    expect(request.extra).toEqual({
      store: true,
      metadata,
      modalities: ["text", "audio"],
      audio: { voice: "alloy", format: "wav" },
      prediction: { type: "content", content: "draft" },
      web_search_options: {},
      data_sources: dataSources,
      a_parameter_from_next_year: { nested: [1, null, "x"] },
    });
    expect(request.extra?.["data_sources"]).toBe(dataSources);
    expect(chatRequestToJson(request)).toEqual(withoutModelAndStream(body));
  });

  it("keep a null value, which is the caller's to send", () => {
    const { request } = chatRequestFromJson(minimal({ service_tier: null }));
    expect(request.extra).toEqual({ service_tier: null });
    expect(chatRequestToJson(request)["service_tier"]).toBeNull();
  });

  it("carry a __proto__ key as an ordinary key without touching any prototype", () => {
    const body = JSON.parse('{"model":"m","messages":[{"role":"user","content":"x"}],"__proto__":{"polluted":true}}');
    const { request } = chatRequestFromJson(body);
    expect(Object.keys(request.extra ?? {})).toEqual(["__proto__"]);
    const out = chatRequestToJson(request);
    expect(Object.keys(out)).toContain("__proto__");
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    expect((out as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

describe("modeled fields against extra", () => {
  it("win over a colliding extra key", () => {
    const { request } = chatRequestFromJson(minimal({ temperature: 0.2, tools: [{ type: "function", function: { name: "f" } }] }));
    request.extra = { temperature: 1.9, tools: "nonsense", store: false };
    const out = chatRequestToJson(request);
    expect(out["temperature"]).toBe(0.2);
    expect(out["tools"]).toEqual([{ type: "function", function: { name: "f" } }]);
    expect(out["store"]).toBe(false);
  });

  it("reserve their names even when the modeled field is absent", () => {
    const { request } = chatRequestFromJson(minimal());
    request.extra = {};
    for (const key of MODELED_REQUEST_KEYS) request.extra[key] = "from extra";
    request.extra["store"] = true;
    expect(chatRequestToJson(request)).toEqual({ messages: [{ role: "user", content: "Hi" }], store: true });
  });

  it("never let extra add model or stream", () => {
    const { request } = chatRequestFromJson(minimal());
    request.extra = { model: "gpt-4o-mini", stream: true };
    const out = chatRequestToJson(request);
    expect("model" in out).toBe(false);
    expect("stream" in out).toBe(false);
  });
});

describe("request messages from RPC callers", () => {
  it("fail with the message's param when the role is unspecified", () => {
    const { request } = chatRequestFromJson(minimal());
    request.messages.push(create(ChatMessageSchema, { content: "no role" }));
    expect(() => chatRequestToJson(request)).toThrow(expect.objectContaining({ param: "messages[1].role" }));
  });

  it("fail when both content and content parts are set", () => {
    const { request } = chatRequestFromJson(
      minimal({ messages: [{ role: "user", content: [{ type: "text", text: "a" }] }] }),
    );
    request.messages[0]!.content = "b";
    expect(() => chatRequestToJson(request)).toThrow(expect.objectContaining({ param: "messages[0].content" }));
  });

  it("send an assistant turn without content as content null", () => {
    const request = create(CreateChatCompletionRequestSchema, {
      model: "m",
      messages: [
        {
          role: Role.ASSISTANT,
          toolCalls: [{ id: "c", function: { name: "f", arguments: "{}" } }],
        },
      ],
    });
    expect(chatRequestToJson(request)["messages"]).toEqual([
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }],
      },
    ]);
  });
});
