import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import {
  ResponseFormat_Type,
  ToolChoice_Mode,
  type CreateChatCompletionRequest,
  type ResponseFormat,
  type Tool,
  type ToolChoice,
} from "../../gen/tensorwall/v1/chat_pb.js";
import { chatMessageToJson } from "./chat-message-to-json.js";
import { MODELED_REQUEST_KEYS } from "./modeled-request-keys.js";
import { setOwn } from "./set-own.js";

/**
 * A request as the OpenAI JSON body sent to Azure. Never carries `model` (the Azure adapter decides
 * the deployment) nor `stream` (the caller adds it), and only what the request carries: an absent
 * optional field stays absent, so Azure applies its own defaults rather than ours. `extra` keys are
 * merged in, except those named like a modeled field (see MODELED_REQUEST_KEYS).
 */
export function chatRequestToJson(request: CreateChatCompletionRequest): JsonObject {
  const messages: JsonValue[] = [];
  for (let i = 0; i < request.messages.length; i++) {
    messages.push(chatMessageToJson(request.messages[i]!, i));
  }
  const out: JsonObject = { messages };
  if (request.temperature !== undefined) out["temperature"] = request.temperature;
  if (request.topP !== undefined) out["top_p"] = request.topP;
  if (request.n !== undefined) out["n"] = request.n;
  // Arrays and maps of scalars are already JSON; they are shared, not copied.
  if (request.stop.length > 0) out["stop"] = request.stop;
  if (request.maxTokens !== undefined) out["max_tokens"] = request.maxTokens;
  if (request.maxCompletionTokens !== undefined) out["max_completion_tokens"] = request.maxCompletionTokens;
  if (request.presencePenalty !== undefined) out["presence_penalty"] = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) out["frequency_penalty"] = request.frequencyPenalty;
  if (hasKeys(request.logitBias)) out["logit_bias"] = request.logitBias;
  if (request.logprobs !== undefined) out["logprobs"] = request.logprobs;
  if (request.topLogprobs !== undefined) out["top_logprobs"] = request.topLogprobs;
  if (request.seed !== undefined) out["seed"] = Number(request.seed);
  if (request.user !== undefined) out["user"] = request.user;
  if (request.reasoningEffort !== undefined) out["reasoning_effort"] = request.reasoningEffort;
  if (request.tools.length > 0) out["tools"] = request.tools.map(toolToJson);
  const toolChoice = toolChoiceToJson(request.toolChoice);
  if (toolChoice !== undefined) out["tool_choice"] = toolChoice;
  if (request.parallelToolCalls !== undefined) out["parallel_tool_calls"] = request.parallelToolCalls;
  const responseFormat = responseFormatToJson(request.responseFormat);
  if (responseFormat !== undefined) out["response_format"] = responseFormat;
  if (request.streamOptions !== undefined) {
    out["stream_options"] = { include_usage: request.streamOptions.includeUsage };
  }
  const extra = request.extra;
  if (extra !== undefined) {
    for (const key in extra) {
      if (!MODELED_REQUEST_KEYS.has(key)) setOwn(out, key, extra[key]!);
    }
  }
  return out;
}

function hasKeys(object: object): boolean {
  for (const _ in object) return true;
  return false;
}

function toolToJson(tool: Tool): JsonObject {
  const definition = tool.function;
  const fn: JsonObject = { name: definition?.name ?? "" };
  if (definition?.description !== undefined) fn["description"] = definition.description;
  if (definition?.parameters !== undefined) fn["parameters"] = definition.parameters;
  if (definition?.strict !== undefined) fn["strict"] = definition.strict;
  // "function" is the only type there is, and an RPC caller may leave the field at its zero value.
  return { type: tool.type || "function", function: fn };
}

function toolChoiceToJson(choice: ToolChoice | undefined): JsonValue | undefined {
  switch (choice?.choice.case) {
    case "mode":
      switch (choice.choice.value) {
        case ToolChoice_Mode.NONE:
          return "none";
        case ToolChoice_Mode.AUTO:
          return "auto";
        case ToolChoice_Mode.REQUIRED:
          return "required";
        default:
          return undefined;
      }
    case "functionName":
      return { type: "function", function: { name: choice.choice.value } };
    default:
      return undefined;
  }
}

function responseFormatToJson(format: ResponseFormat | undefined): JsonValue | undefined {
  switch (format?.type) {
    case ResponseFormat_Type.TEXT:
      return { type: "text" };
    case ResponseFormat_Type.JSON_OBJECT:
      return { type: "json_object" };
    case ResponseFormat_Type.JSON_SCHEMA: {
      const schema = format.jsonSchema;
      const jsonSchema: JsonObject = { name: schema?.name ?? "" };
      if (schema?.description !== undefined) jsonSchema["description"] = schema.description;
      if (schema?.schema !== undefined) jsonSchema["schema"] = schema.schema;
      if (schema?.strict !== undefined) jsonSchema["strict"] = schema.strict;
      return { type: "json_schema", json_schema: jsonSchema };
    }
    default:
      return undefined;
  }
}
