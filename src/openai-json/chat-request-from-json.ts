import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type {
  ChatMessage,
  CreateChatCompletionRequest,
  StreamOptions,
} from "../../gen/tensorwall/v1/chat_pb.js";
import { chatMessageFromJson } from "./chat-message-from-json.js";
import {
  describeJson,
  emptyArray,
  invalidRequest,
  invalidType,
  isRecord,
  missingParameter,
  outOfRange,
  unknownField,
} from "./request-errors.js";
import { requestField } from "./request-field.js";
import { responseFormatFromJson } from "./response-format-from-json.js";
import { setOwn } from "./set-own.js";
import { toolChoiceFromJson } from "./tool-choice-from-json.js";
import { toolsFromJson } from "./tools-from-json.js";

const INT32_MAX = 2147483647;
// int64 bounds as doubles; a JSON number is a double before we ever see it.
const INT64_MIN = -9223372036854775808;
const INT64_LIMIT = 9223372036854775808;
const LOGIT_BIAS_KEY = /^\d+$/;

/**
 * A caller's Chat Completions body (already `JSON.parse`d) as a request message, validated like
 * OpenAI validates it. Top-level keys the proto does not model go to `extra` unchanged, so a new
 * OpenAI parameter reaches Azure before we model it. `null` for an optional field means absent.
 *
 * Messages are built as object literals rather than with `create()`: on this path `create()`'s
 * reflective copy costs about ten times as much, and the literal's type still makes the compiler
 * insist on every field the generated type requires.
 */
export function chatRequestFromJson(json: unknown): {
  request: CreateChatCompletionRequest;
  stream: boolean;
} {
  if (!isRecord(json)) {
    throw invalidRequest(undefined, `The request body must be a JSON object, but got ${describeJson(json)}.`);
  }
  const request: CreateChatCompletionRequest = {
    $typeName: "tensorwall.v1.CreateChatCompletionRequest",
    model: "",
    messages: [],
    temperature: undefined,
    topP: undefined,
    n: undefined,
    stop: [],
    maxTokens: undefined,
    maxCompletionTokens: undefined,
    presencePenalty: undefined,
    frequencyPenalty: undefined,
    logitBias: {},
    logprobs: undefined,
    topLogprobs: undefined,
    seed: undefined,
    user: undefined,
    reasoningEffort: undefined,
    tools: [],
    toolChoice: undefined,
    parallelToolCalls: undefined,
    responseFormat: undefined,
    streamOptions: undefined,
    extra: undefined,
  };
  let stream = false;
  let hasModel = false;
  let hasMessages = false;
  let extra: JsonObject | undefined;
  for (const key in json) {
    const value = json[key];
    switch (key) {
      case "model":
        if (typeof value !== "string" && value !== null && value !== undefined) {
          throw invalidType("model", "a string", value);
        }
        if (value === null || value === undefined) throw missingParameter("model");
        if (value === "") throw invalidRequest("model", "Invalid 'model': expected a non-empty string.");
        request.model = value;
        hasModel = true;
        break;
      case "messages":
        request.messages = messagesFromJson(value);
        hasMessages = true;
        break;
      case "stream":
        if (value === null) break;
        if (typeof value !== "boolean") throw invalidType("stream", "a boolean", value);
        stream = value;
        break;
      case "temperature":
        request.temperature = requestField.optionalNumber(value, key, 0, 2);
        break;
      case "top_p":
        request.topP = requestField.optionalNumber(value, key, 0, 1);
        break;
      case "n":
        request.n = requestField.optionalInteger(value, key, 1, INT32_MAX);
        break;
      case "stop":
        request.stop = stopFromJson(value);
        break;
      case "max_tokens":
        request.maxTokens = requestField.optionalInteger(value, key, 1, INT32_MAX);
        break;
      case "max_completion_tokens":
        request.maxCompletionTokens = requestField.optionalInteger(value, key, 1, INT32_MAX);
        break;
      case "presence_penalty":
        request.presencePenalty = requestField.optionalNumber(value, key, -2, 2);
        break;
      case "frequency_penalty":
        request.frequencyPenalty = requestField.optionalNumber(value, key, -2, 2);
        break;
      case "logit_bias":
        request.logitBias = logitBiasFromJson(value);
        break;
      case "logprobs":
        request.logprobs = requestField.optionalBoolean(value, key);
        break;
      case "top_logprobs":
        request.topLogprobs = requestField.optionalInteger(value, key, 0, 20);
        break;
      case "seed":
        request.seed = seedFromJson(value);
        break;
      case "user":
        request.user = requestField.optionalString(value, key);
        break;
      case "reasoning_effort":
        // Open-ended on purpose: Azure adds effort levels before we would hear of them.
        request.reasoningEffort = requestField.optionalString(value, key);
        break;
      case "tools":
        request.tools = toolsFromJson(value);
        break;
      case "tool_choice":
        request.toolChoice = toolChoiceFromJson(value);
        break;
      case "parallel_tool_calls":
        request.parallelToolCalls = requestField.optionalBoolean(value, key);
        break;
      case "response_format":
        request.responseFormat = responseFormatFromJson(value);
        break;
      case "stream_options":
        request.streamOptions = streamOptionsFromJson(value);
        break;
      default:
        // Values are referenced, not copied: the body is the caller's to give away once parsed.
        if (value !== undefined) setOwn((extra ??= {}), key, value as JsonValue);
    }
  }
  if (!hasModel) throw missingParameter("model");
  if (!hasMessages) throw missingParameter("messages");
  if (request.streamOptions !== undefined && !stream) {
    throw invalidRequest(
      "stream_options",
      "The 'stream_options' parameter is only allowed when 'stream' is set to true.",
    );
  }
  request.extra = extra;
  return { request, stream };
}

function messagesFromJson(json: unknown): ChatMessage[] {
  if (json === null || json === undefined) throw missingParameter("messages");
  if (!Array.isArray(json)) throw invalidType("messages", "an array", json);
  if (json.length === 0) throw emptyArray("messages");
  const messages: ChatMessage[] = [];
  for (let i = 0; i < json.length; i++) messages.push(chatMessageFromJson(json[i], i));
  return messages;
}

function stopFromJson(json: unknown): string[] {
  if (json === null) return [];
  if (typeof json === "string") return [json];
  if (!Array.isArray(json)) throw invalidType("stop", "a string or an array of strings", json);
  for (let i = 0; i < json.length; i++) {
    if (typeof json[i] !== "string") throw invalidType(`stop[${i}]`, "a string", json[i]);
  }
  // Checked element by element above, so the caller's array can be kept as it is.
  return json as string[];
}

function logitBiasFromJson(json: unknown): { [token: string]: number } {
  if (json === null) return {};
  if (!isRecord(json)) throw invalidType("logit_bias", "an object of token ids to numbers", json);
  for (const token in json) {
    const bias = json[token];
    if (!LOGIT_BIAS_KEY.test(token)) {
      throw invalidRequest("logit_bias", `Invalid 'logit_bias': key '${token}' is not a token id.`);
    }
    if (typeof bias !== "number") throw invalidType(`logit_bias.${token}`, "a number", bias);
    if (!(bias >= -100 && bias <= 100)) throw outOfRange(`logit_bias.${token}`, bias, -100, 100);
  }
  return json as { [token: string]: number };
}

function seedFromJson(json: unknown): bigint | undefined {
  if (json === null) return undefined;
  if (!Number.isInteger(json)) throw invalidType("seed", "an integer", json);
  const seed = json as number;
  if (seed < INT64_MIN || seed >= INT64_LIMIT) {
    throw invalidRequest("seed", `Invalid 'seed': ${seed} does not fit in a 64-bit integer.`);
  }
  return BigInt(seed);
}

function streamOptionsFromJson(json: unknown): StreamOptions | undefined {
  if (json === null) return undefined;
  if (!isRecord(json)) throw invalidType("stream_options", "an object", json);
  let includeUsage = false;
  for (const key in json) {
    const value = json[key];
    if (key !== "include_usage") throw unknownField("stream_options", key);
    if (value === null) continue;
    if (typeof value !== "boolean") throw invalidType("stream_options.include_usage", "a boolean", value);
    includeUsage = value;
  }
  return { $typeName: "tensorwall.v1.StreamOptions", includeUsage };
}
