import { create, equals, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  ContentFilterSeverity,
  CreateChatCompletionResponseSchema,
  ServedBySchema,
} from "../../gen/tensorwall/v1/chat_pb.js";
import { chatResponseFromJson, chatResponseToJson } from "../../src/openai-json/index.js";
import { toolCallReply, unaryReply } from "./azure-fixtures.js";

describe("chat response JSON round trip", () => {
  it("gives back Azure's reply with content, logprobs, usage details and filter results", () => {
    expect(chatResponseToJson(chatResponseFromJson(unaryReply))).toEqual(unaryReply);
  });

  it("gives back Azure's tool-call reply with null content and finish_reason tool_calls", () => {
    expect(chatResponseToJson(chatResponseFromJson(toolCallReply))).toEqual(toolCallReply);
  });

  it("reads usage details, logprobs and filter results into their proto fields", () => {
    const response = chatResponseFromJson(unaryReply);
    expect(response.created).toBe(1727350483n);
    expect(response.usage?.promptTokensDetails?.cachedTokens).toBe(1024);
    expect(response.usage?.totalTokens).toBe(1212);
    const choice = response.choices[0];
    expect(choice?.message?.content).toBe("Hello!");
    expect(choice?.message?.refusal).toBeUndefined();
    expect(choice?.logprobs?.content.map((t) => t.token)).toEqual(["Hello", "!"]);
    expect(choice?.logprobs?.content[0]?.topLogprobs[1]).toMatchObject({ token: "Hi", bytes: [72, 105] });
    expect(choice?.contentFilterResults?.protectedMaterialCode).toMatchObject({ filtered: false, detected: false });
    expect(choice?.contentFilterResults?.hate?.severity).toBe(ContentFilterSeverity.SAFE);
    expect(response.promptFilterResults[0]?.contentFilterResults?.jailbreak).toMatchObject({
      filtered: false,
      detected: false,
    });
    const reasoning = chatResponseFromJson(toolCallReply);
    expect(reasoning.usage?.completionTokensDetails?.reasoningTokens).toBe(64);
    expect(reasoning.choices[0]?.message?.toolCalls.map((c) => c.function?.name)).toEqual([
      "get_weather",
      "get_weather",
    ]);
  });

  it("builds a response that survives the binary wire", () => {
    const response = chatResponseFromJson(unaryReply);
    const wire = fromBinary(CreateChatCompletionResponseSchema, toBinary(CreateChatCompletionResponseSchema, response));
    expect(equals(CreateChatCompletionResponseSchema, wire, response)).toBe(true);
    expect(chatResponseToJson(wire)).toEqual(unaryReply);
  });
});

describe("chat response JSON for OpenAI clients", () => {
  it("writes created as a JSON number and object as chat.completion", () => {
    const json = chatResponseToJson(chatResponseFromJson(unaryReply));
    expect(json["created"]).toBe(1727350483);
    expect(json["object"]).toBe("chat.completion");
  });

  it("leaves served_by out even when the response carries it", () => {
    const response = chatResponseFromJson(unaryReply);
    response.servedBy = create(ServedBySchema, { route: "gpt-4o", deployment: "gpt4o-eu", attempts: 2 });
    const json = chatResponseToJson(response);
    expect(Object.keys(json)).not.toContain("served_by");
    expect(json).toEqual(unaryReply);
  });

  it("writes absent content, refusal, logprobs and finish_reason as null, and omits empty tool_calls", () => {
    const json = chatResponseToJson(
      chatResponseFromJson({ id: "x", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant" } }] }),
    );
    expect(json["choices"]).toEqual([
      {
        index: 0,
        message: { role: "assistant", content: null, refusal: null },
        logprobs: null,
        finish_reason: null,
      },
    ]);
  });

  it("writes a refusal with its own logprobs", () => {
    const reply = {
      id: "chatcmpl-r",
      object: "chat.completion",
      created: 2,
      model: "gpt-4o",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: null, refusal: "I can't help with that." },
          logprobs: {
            content: null,
            refusal: [{ token: "I", logprob: -0.1, bytes: [73], top_logprobs: [] }],
          },
          finish_reason: "stop",
        },
      ],
    };
    expect(chatResponseToJson(chatResponseFromJson(reply))).toEqual(reply);
  });
});

describe("lenient reading of Azure replies", () => {
  it("turns an empty object into a response with nothing invented", () => {
    expect(chatResponseToJson(chatResponseFromJson({}))).toEqual({
      id: "",
      object: "chat.completion",
      created: 0,
      model: "",
      choices: [],
    });
  });

  it("reads nulls and values of the wrong type as absent", () => {
    const response = chatResponseFromJson({
      id: null,
      created: "yesterday",
      model: 4,
      choices: [null, { message: null, finish_reason: null, logprobs: null, content_filter_results: null }],
      usage: null,
      system_fingerprint: null,
      prompt_filter_results: null,
    });
    expect(response.id).toBe("");
    expect(response.created).toBe(0n);
    expect(response.usage).toBeUndefined();
    expect(response.choices).toHaveLength(1);
    const json = chatResponseToJson(response);
    expect(json).not.toHaveProperty("usage");
    expect(json).not.toHaveProperty("system_fingerprint");
    expect(json).not.toHaveProperty("prompt_filter_results");
    expect(json["choices"]).toEqual([
      {
        index: 1,
        message: { role: "assistant", content: null, refusal: null },
        logprobs: null,
        finish_reason: null,
      },
    ]);
  });

  it("zeroes usage counts Azure left out, and keeps details absent when Azure sent none", () => {
    const response = chatResponseFromJson({ usage: { prompt_tokens: 5, total_tokens: 5 } });
    expect(chatResponseToJson(response)["usage"]).toEqual({
      prompt_tokens: 5,
      completion_tokens: 0,
      total_tokens: 5,
    });
  });

  it("reads prompt_annotations, the older name for prompt_filter_results", () => {
    const results = { hate: { filtered: false, severity: "safe" } };
    const response = chatResponseFromJson({ prompt_annotations: [{ prompt_index: 0, content_filter_results: results }] });
    expect(chatResponseToJson(response)["prompt_filter_results"]).toEqual([
      { prompt_index: 0, content_filter_results: results },
    ]);
  });

  it("writes a token's missing bytes as null", () => {
    const reply = {
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "x" },
          logprobs: { content: [{ token: "x", logprob: -1, bytes: null, top_logprobs: [] }], refusal: null },
          finish_reason: "stop",
        },
      ],
    };
    const json = chatResponseToJson(chatResponseFromJson(reply));
    expect((json["choices"] as { logprobs: unknown }[])[0]?.logprobs).toEqual(reply.choices[0]?.logprobs);
  });
});
