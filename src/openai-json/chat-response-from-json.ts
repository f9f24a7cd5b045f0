import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type {
  AssistantMessage,
  Choice,
  CreateChatCompletionResponse,
  ToolCall,
} from "../../gen/tensorwall/v1/chat_pb.js";
import { contentFilterJson } from "./content-filter-json.js";
import { lenient } from "./lenient-json.js";
import { logprobsJson } from "./logprobs-json.js";
import { promptFilterResultsJson } from "./prompt-filter-results-json.js";
import { usageJson } from "./usage-json.js";

/**
 * Azure's `chat.completion` JSON as a response message. Lenient: this is upstream data, so missing
 * fields, `null`s and unexpected types read as absent instead of failing a completion the caller has
 * already paid for.
 */
export function chatResponseFromJson(json: JsonObject): CreateChatCompletionResponse {
  const choicesJson = lenient.array(json["choices"]);
  const choices: Choice[] = [];
  for (let i = 0; i < choicesJson.length; i++) {
    const choice = lenient.object(choicesJson[i]);
    if (choice !== undefined) choices.push(choiceFromJson(choice, i));
  }
  return {
    $typeName: "tensorwall.v1.CreateChatCompletionResponse",
    id: lenient.string(json["id"]),
    created: lenient.int64(json["created"]),
    model: lenient.string(json["model"]),
    choices,
    usage: usageJson.fromJson(json["usage"]),
    systemFingerprint: lenient.string(json["system_fingerprint"]),
    promptFilterResults: promptFilterResultsJson.fromJson(json),
    servedBy: undefined,
  };
}

function choiceFromJson(json: JsonObject, position: number): Choice {
  const index = json["index"];
  return {
    $typeName: "tensorwall.v1.Choice",
    index: typeof index === "number" ? lenient.integer(index) : position,
    message: messageFromJson(json["message"]),
    finishReason: lenient.string(json["finish_reason"]),
    logprobs: logprobsJson.fromJson(json["logprobs"]),
    contentFilterResults: contentFilterJson.resultsFromJson(json["content_filter_results"]),
  };
}

function messageFromJson(value: JsonValue | undefined): AssistantMessage | undefined {
  const json = lenient.object(value);
  if (json === undefined) return undefined;
  const toolCalls: ToolCall[] = [];
  for (const item of lenient.array(json["tool_calls"])) {
    const call = lenient.object(item);
    if (call === undefined) continue;
    const fn = lenient.object(call["function"]);
    toolCalls.push({
      $typeName: "tensorwall.v1.ToolCall",
      id: lenient.string(call["id"]),
      type: lenient.string(call["type"]),
      function:
        fn === undefined
          ? undefined
          : {
              $typeName: "tensorwall.v1.FunctionCall",
              name: lenient.string(fn["name"]),
              arguments: lenient.string(fn["arguments"]),
            },
    });
  }
  return {
    $typeName: "tensorwall.v1.AssistantMessage",
    content: lenient.optionalString(json["content"]),
    refusal: lenient.optionalString(json["refusal"]),
    toolCalls,
  };
}
