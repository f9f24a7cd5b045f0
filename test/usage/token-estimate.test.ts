import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { CreateChatCompletionRequestSchema, Role } from "../../gen/tensorwall/v1/chat_pb.js";
import { DEFAULT_MAX_COMPLETION_TOKENS, estimateTokens } from "../../src/usage/index.js";

describe("estimateTokens", () => {
  it("counts text length / 4 plus OpenAI's per-message and reply overhead", () => {
    const request = create(CreateChatCompletionRequestSchema, {
      model: "gpt-4o",
      messages: [
        { role: Role.SYSTEM, content: "x".repeat(40) },
        { role: Role.USER, contentParts: [{ part: { case: "text", value: "y".repeat(41) } }] },
      ],
      maxTokens: 100,
    });
    // ceil(81 / 4) = 21, + 2 × 4 per message, + 3 for the reply.
    expect(estimateTokens(request)).toEqual({ promptTokens: 32, completionTokens: 100 });
  });

  it("counts images, tool calls and tool definitions", () => {
    const request = create(CreateChatCompletionRequestSchema, {
      model: "gpt-4o",
      messages: [
        { role: Role.USER, contentParts: [{ part: { case: "imageUrl", value: { url: "https://example.com/cat.png" } } }] },
        { role: Role.ASSISTANT, toolCalls: [{ id: "c", type: "function", function: { name: "f", arguments: '{"a":1}' } }] },
      ],
      tools: [{ type: "function", function: { name: "lookup", description: "finds", parameters: { type: "object" } } }],
    });
    const chars = "f".length + '{"a":1}'.length + "lookup".length + "finds".length + '{"type":"object"}'.length;
    expect(estimateTokens(request).promptTokens).toBe(765 + Math.ceil(chars / 4) + 2 * 4 + 3);
  });

  it("prefers max_completion_tokens, multiplies by n, and assumes a default without either", () => {
    const base = { model: "m", messages: [{ role: Role.USER, content: "hi" }] };
    expect(estimateTokens(create(CreateChatCompletionRequestSchema, { ...base, maxTokens: 10, maxCompletionTokens: 20, n: 3 })).completionTokens).toBe(60);
    expect(estimateTokens(create(CreateChatCompletionRequestSchema, base)).completionTokens).toBe(DEFAULT_MAX_COMPLETION_TOKENS);
  });
});
