import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors/index.js";
import { chatRequestFromJson } from "../../src/openai-json/index.js";

function rejection(body: unknown): GatewayError {
  try {
    chatRequestFromJson(body);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("the body was accepted");
}

const user = { role: "user", content: "Hi" };
const call = { id: "call_1", type: "function", function: { name: "f", arguments: "{}" } };

function withField(key: string, value: JsonValue): JsonObject {
  return { model: "gpt-4o", messages: [user], [key]: value };
}

function withMessages(...messages: JsonValue[]): JsonObject {
  return { model: "gpt-4o", messages };
}

function withContent(role: string, content: JsonValue): JsonObject {
  return withMessages({ role, content });
}

describe("a request body that is not an object", () => {
  it.each([[null], [[]], ["text"], [42]])("is rejected without a param: %j", (body) => {
    const error = rejection(body);
    expect(error.code).toBe("invalid_request");
    expect(error.param).toBeUndefined();
    expect(error.message).toMatch(/must be a JSON object/);
  });
});

describe("top-level validation names the param at fault", () => {
  it.each<[string, JsonObject, string, RegExp]>([
    ["a missing model", { messages: [user] }, "model", /Missing required parameter: 'model'/],
    ["a null model", { model: null, messages: [user] }, "model", /Missing required/],
    ["a model that is not a string", { model: 4, messages: [user] }, "model", /expected a string, but got an integer/],
    ["an empty model", { model: "", messages: [user] }, "model", /non-empty string/],
    ["missing messages", { model: "gpt-4o" }, "messages", /Missing required parameter: 'messages'/],
    ["messages that are not a list", { model: "gpt-4o", messages: "Hi" }, "messages", /expected an array/],
    ["an empty message list", { model: "gpt-4o", messages: [] }, "messages", /empty array/],
    ["a stream flag that is not a boolean", withField("stream", "yes"), "stream", /expected a boolean/],
    ["a temperature that is not a number", withField("temperature", "hot"), "temperature", /expected a number/],
    ["a temperature above 2", withField("temperature", 2.5), "temperature", /from 0 to 2, but got 2.5/],
    ["a top_p above 1", withField("top_p", 1.5), "top_p", /from 0 to 1/],
    ["n below 1", withField("n", 0), "n", /from 1 to 2147483647, but got 0/],
    ["a fractional n", withField("n", 1.5), "n", /expected an integer, but got a number/],
    ["n as a string", withField("n", "2"), "n", /expected an integer, but got a string/],
    ["max_tokens of 0", withField("max_tokens", 0), "max_tokens", /but got 0/],
    ["max_tokens beyond int32", withField("max_tokens", 2 ** 31), "max_tokens", /2147483647/],
    ["negative max_completion_tokens", withField("max_completion_tokens", -1), "max_completion_tokens", /-1/],
    ["presence_penalty above 2", withField("presence_penalty", 3), "presence_penalty", /from -2 to 2/],
    ["frequency_penalty below -2", withField("frequency_penalty", -3), "frequency_penalty", /from -2 to 2/],
    ["stop that is a number", withField("stop", 5), "stop", /a string or an array of strings/],
    ["a stop entry that is not a string", withField("stop", ["END", 5]), "stop[1]", /expected a string/],
    ["logit_bias that is a list", withField("logit_bias", [1]), "logit_bias", /object of token ids/],
    ["a logit_bias key that is not a token id", withField("logit_bias", { hello: 1 }), "logit_bias", /'hello'/],
    ["a logit_bias value that is not a number", withField("logit_bias", { "1": "x" }), "logit_bias.1", /a number/],
    ["a logit_bias value beyond 100", withField("logit_bias", { "1": 101 }), "logit_bias.1", /-100 to 100/],
    ["logprobs that is not a boolean", withField("logprobs", "yes"), "logprobs", /a boolean/],
    ["top_logprobs above 20", withField("top_logprobs", 21), "top_logprobs", /from 0 to 20/],
    ["a fractional seed", withField("seed", 1.5), "seed", /an integer/],
    ["a seed as a string", withField("seed", "42"), "seed", /an integer, but got a string/],
    ["a seed beyond int64", withField("seed", 1e20), "seed", /64-bit/],
    ["a user that is not a string", withField("user", 5), "user", /a string/],
    ["a reasoning_effort that is not a string", withField("reasoning_effort", 1), "reasoning_effort", /a string/],
    ["parallel_tool_calls that is not a boolean", withField("parallel_tool_calls", "no"), "parallel_tool_calls", /boolean/],
  ])("rejects %s", (_, body, param, message) => {
    const error = rejection(body);
    expect(error.code).toBe("invalid_request");
    expect(error.param).toBe(param);
    expect(error.message).toMatch(message);
  });
});

describe("tools, tool_choice and response_format validation", () => {
  const fn = { name: "get_weather" };
  it.each<[string, JsonObject, string, RegExp]>([
    ["tools that are not a list", withField("tools", {}), "tools", /an array/],
    ["a tool that is not an object", withField("tools", [5]), "tools[0]", /an object/],
    ["a custom tool", withField("tools", [{ type: "custom", custom: { name: "c" } }]), "tools[0].type", /'custom'. Supported values are: 'function'/],
    ["an unknown key in a tool", withField("tools", [{ type: "function", function: fn, cache: true }]), "tools[0].cache", /Unrecognized/],
    ["a tool without a type", withField("tools", [{ function: fn }]), "tools[0].type", /Missing/],
    ["a tool without a function", withField("tools", [{ type: "function" }]), "tools[0].function", /Missing/],
    ["a function without a name", withField("tools", [{ type: "function", function: {} }]), "tools[0].function.name", /Missing/],
    ["a function name that is not a string", withField("tools", [{ type: "function", function: { name: 1 } }]), "tools[0].function.name", /a string/],
    ["parameters that are not an object", withField("tools", [{ type: "function", function: { ...fn, parameters: "{}" } }]), "tools[0].function.parameters", /an object/],
    ["a description that is not a string", withField("tools", [{ type: "function", function: { ...fn, description: 2 } }]), "tools[0].function.description", /a string/],
    ["strict that is not a boolean", withField("tools", [{ type: "function", function: { ...fn, strict: "yes" } }]), "tools[0].function.strict", /a boolean/],
    ["an unknown key in a function", withField("tools", [{ type: "function", function: { ...fn, examples: [] } }]), "tools[0].function.examples", /Unrecognized field 'examples'/],
    ["an unknown tool_choice mode", withField("tool_choice", "any"), "tool_choice", /'any'. Supported values are: 'none', 'auto', 'required'/],
    ["a tool_choice that is a number", withField("tool_choice", 1), "tool_choice", /a string or an object/],
    ["a tool_choice of another type", withField("tool_choice", { type: "allowed_tools", allowed_tools: {} }), "tool_choice.type", /'allowed_tools'/],
    ["a tool_choice without a function", withField("tool_choice", { type: "function" }), "tool_choice.function", /Missing/],
    ["a tool_choice function without a name", withField("tool_choice", { type: "function", function: {} }), "tool_choice.function.name", /Missing/],
    ["a tool_choice function with an unknown key", withField("tool_choice", { type: "function", function: { ...fn, strict: true } }), "tool_choice.function.strict", /Unrecognized/],
    ["a tool_choice with an empty function name", withField("tool_choice", { type: "function", function: { name: "" } }), "tool_choice.function.name", /Missing/],
    ["a tool with an empty function name", withField("tools", [{ type: "function", function: { name: "" } }]), "tools[0].function.name", /Missing/],
    ["a tool_choice with an unknown key", withField("tool_choice", { type: "function", function: fn, why: 1 }), "tool_choice.why", /Unrecognized/],
    ["a response_format that is a string", withField("response_format", "json"), "response_format", /an object/],
    ["a response_format without a type", withField("response_format", {}), "response_format.type", /Missing/],
    ["an unknown response_format type", withField("response_format", { type: "xml" }), "response_format.type", /'xml'. Supported values are: 'text', 'json_object', 'json_schema'/],
    ["a json_schema format without its schema", withField("response_format", { type: "json_schema" }), "response_format.json_schema", /Missing/],
    ["a json_schema without a name", withField("response_format", { type: "json_schema", json_schema: { schema: {} } }), "response_format.json_schema.name", /Missing/],
    ["a schema that is not an object", withField("response_format", { type: "json_schema", json_schema: { name: "n", schema: [] } }), "response_format.json_schema.schema", /an object/],
    ["a json_schema with an unknown key", withField("response_format", { type: "json_schema", json_schema: { name: "n", format: 1 } }), "response_format.json_schema.format", /Unrecognized/],
    ["a json_schema on a text format", withField("response_format", { type: "text", json_schema: { name: "n" } }), "response_format.json_schema", /Unrecognized/],
    ["stream_options without stream", withField("stream_options", { include_usage: true }), "stream_options", /only allowed when 'stream' is set to true/],
    ["stream_options with stream false", { ...withField("stream_options", { include_usage: true }), stream: false }, "stream_options", /only allowed/],
    ["stream_options that is not an object", { ...withField("stream_options", true), stream: true }, "stream_options", /an object/],
    ["include_usage that is not a boolean", { ...withField("stream_options", { include_usage: 1 }), stream: true }, "stream_options.include_usage", /a boolean/],
    ["an unknown stream option", { ...withField("stream_options", { include_obfuscation: false }), stream: true }, "stream_options.include_obfuscation", /Unrecognized/],
  ])("rejects %s", (_, body, param, message) => {
    const error = rejection(body);
    expect(error.code).toBe("invalid_request");
    expect(error.param).toBe(param);
    expect(error.message).toMatch(message);
  });
});

describe("message validation", () => {
  it.each<[string, JsonObject, string, RegExp]>([
    ["a message that is not an object", withMessages("Hi"), "messages[0]", /an object, but got a string/],
    ["a message without a role", withMessages({ content: "Hi" }), "messages[0].role", /Missing/],
    ["an unknown role", withMessages(user, { role: "robot", content: "x" }), "messages[1].role", /'robot'. Supported values are: 'system', 'developer', 'user', 'assistant', 'tool'/],
    ["a role that is not a string", withMessages({ role: 3, content: "x" }), "messages[0].role", /a string/],
    ["the deprecated function role", withMessages({ role: "function", name: "f", content: "x" }), "messages[0].role", /not supported/],
    ["content that is a number", withContent("user", 42), "messages[0].content", /a string or an array of content parts/],
    ["content that is an object", withContent("system", { text: "x" }), "messages[0].content", /but got an object/],
    ["user content that is null", withContent("user", null), "messages[0].content", /Missing/],
    ["a user message without content", withMessages({ role: "user" }), "messages[0].content", /Missing/],
    ["an empty list of parts", withContent("user", []), "messages[0].content", /empty array/],
    ["a name that is not a string", withMessages({ ...user, name: 5 }), "messages[0].name", /a string/],
    ["a name on a tool message", withMessages({ role: "tool", tool_call_id: "c", content: "x", name: "n" }), "messages[0].name", /not allowed in a message with role 'tool'/],
    ["a refusal on a user message", withMessages({ ...user, refusal: "no" }), "messages[0].refusal", /role 'user'/],
    ["a refusal that is not a string", withMessages({ role: "assistant", content: "x", refusal: 1 }), "messages[0].refusal", /a string/],
    ["tool calls on a user message", withMessages({ ...user, tool_calls: [call] }), "messages[0].tool_calls", /role 'user'/],
    ["a tool_call_id on a user message", withMessages({ ...user, tool_call_id: "c" }), "messages[0].tool_call_id", /role 'user'/],
    ["an unknown message field", withMessages({ ...user, weight: 1 }), "messages[0].weight", /Unrecognized field 'weight' in 'messages\[0\]'/],
    ["a legacy function_call", withMessages({ role: "assistant", content: null, function_call: { name: "f", arguments: "{}" } }), "messages[0].function_call", /not supported/],
    ["an assistant audio reference", withMessages({ role: "assistant", content: "x", audio: { id: "audio_1" } }), "messages[0].audio", /not supported/],
    ["an assistant message with neither content nor tool calls", withMessages(user, { role: "assistant", content: null }), "messages[1].content", /Missing/],
    ["tool calls that are not a list", withMessages({ role: "assistant", tool_calls: "x" }), "messages[0].tool_calls", /an array/],
    ["an empty list of tool calls", withMessages({ role: "assistant", content: "x", tool_calls: [] }), "messages[0].tool_calls", /empty array/],
    ["a tool call that is not an object", withMessages({ role: "assistant", tool_calls: [1] }), "messages[0].tool_calls[0]", /an object/],
    ["a tool call without an id", withMessages({ role: "assistant", tool_calls: [{ type: "function", function: call.function }] }), "messages[0].tool_calls[0].id", /Missing/],
    ["a tool call of another type", withMessages({ role: "assistant", tool_calls: [{ id: "c", type: "custom", custom: {} }] }), "messages[0].tool_calls[0].type", /'custom'/],
    ["a tool call without a function", withMessages({ role: "assistant", tool_calls: [{ id: "c", type: "function" }] }), "messages[0].tool_calls[0].function", /Missing/],
    ["arguments that are not a string", withMessages({ role: "assistant", tool_calls: [{ ...call, function: { name: "f", arguments: {} } }] }), "messages[0].tool_calls[0].function.arguments", /a string, but got an object/],
    ["a tool call function without a name", withMessages({ role: "assistant", tool_calls: [{ ...call, function: { arguments: "{}" } }] }), "messages[0].tool_calls[0].function.name", /Missing/],
    ["an unknown key in a tool call", withMessages({ role: "assistant", tool_calls: [{ ...call, index: 0 }] }), "messages[0].tool_calls[0].index", /Unrecognized/],
    ["a tool message without tool_call_id", withMessages(user, { role: "tool", content: "x" }), "messages[1].tool_call_id", /Missing/],
    ["a tool_call_id that is not a string", withMessages({ role: "tool", content: "x", tool_call_id: 7 }), "messages[0].tool_call_id", /a string/],
  ])("rejects %s", (_, body, param, message) => {
    const error = rejection(body);
    expect(error.code).toBe("invalid_request");
    expect(error.param).toBe(param);
    expect(error.message).toMatch(message);
  });

  it("accepts an assistant turn that carries only a refusal", () => {
    const { request } = chatRequestFromJson(withMessages(user, { role: "assistant", content: null, refusal: "No." }));
    expect(request.messages[1]?.refusal).toBe("No.");
  });
});

describe("content part validation", () => {
  const text = { type: "text", text: "x" };
  it.each<[string, JsonObject, string, RegExp]>([
    ["a part that is not an object", withContent("user", ["x"]), "messages[0].content[0]", /an object/],
    ["a part without a type", withContent("user", [{ text: "x" }]), "messages[0].content[0].type", /Missing/],
    ["a part type that is not a string", withContent("user", [{ type: 1 }]), "messages[0].content[0].type", /a string/],
    ["an unknown part type", withContent("user", [text, { type: "video", video: {} }]), "messages[0].content[1].type", /'video'. Supported values are: 'text', 'image_url', 'input_audio'/],
    ["a file part", withContent("user", [{ type: "file", file: { file_id: "f" } }]), "messages[0].content[0].type", /'file' is not supported/],
    ["a text part without text", withContent("user", [{ type: "text" }]), "messages[0].content[0].text", /Missing/],
    ["a text part whose text is not a string", withContent("user", [{ type: "text", text: 1 }]), "messages[0].content[0].text", /a string/],
    ["an unknown key in a part", withContent("user", [{ ...text, cache_control: {} }]), "messages[0].content[0].cache_control", /Unrecognized/],
    ["an image part in a system message", withContent("system", [{ type: "image_url", image_url: { url: "u" } }]), "messages[0].content[0].type", /Supported values are: 'text'\./],
    ["an image part in an assistant message", withContent("assistant", [{ type: "image_url", image_url: { url: "u" } }]), "messages[0].content[0].type", /'text', 'refusal'/],
    ["a refusal part in a user message", withContent("user", [{ type: "refusal", refusal: "no" }]), "messages[0].content[0].type", /'refusal'/],
    ["audio in a tool message", withMessages({ role: "tool", tool_call_id: "c", content: [{ type: "input_audio", input_audio: { data: "d", format: "wav" } }] }), "messages[0].content[0].type", /Supported values are: 'text'\./],
    ["a refusal part whose refusal is missing", withContent("assistant", [{ type: "refusal" }]), "messages[0].content[0].refusal", /Missing/],
    ["an image part without image_url", withContent("user", [{ type: "image_url" }]), "messages[0].content[0].image_url", /Missing/],
    ["an image_url that is a string", withContent("user", [{ type: "image_url", image_url: "https://x" }]), "messages[0].content[0].image_url", /an object/],
    ["an image without a url", withContent("user", [{ type: "image_url", image_url: { detail: "low" } }]), "messages[0].content[0].image_url.url", /Missing/],
    ["an image url that is not a string", withContent("user", [{ type: "image_url", image_url: { url: 1 } }]), "messages[0].content[0].image_url.url", /a string/],
    ["an image detail that is not a string", withContent("user", [{ type: "image_url", image_url: { url: "u", detail: 2 } }]), "messages[0].content[0].image_url.detail", /a string/],
    ["an unknown key in image_url", withContent("user", [{ type: "image_url", image_url: { url: "u", size: 2 } }]), "messages[0].content[0].image_url.size", /Unrecognized/],
    ["audio without a format", withContent("user", [{ type: "input_audio", input_audio: { data: "d" } }]), "messages[0].content[0].input_audio.format", /Missing/],
    ["audio data that is not a string", withContent("user", [{ type: "input_audio", input_audio: { data: 1, format: "mp3" } }]), "messages[0].content[0].input_audio.data", /a string/],
    ["an audio part without input_audio", withContent("user", [{ type: "input_audio" }]), "messages[0].content[0].input_audio", /Missing/],
  ])("rejects %s", (_, body, param, message) => {
    const error = rejection(body);
    expect(error.code).toBe("invalid_request");
    expect(error.param).toBe(param);
    expect(error.message).toMatch(message);
  });
});
