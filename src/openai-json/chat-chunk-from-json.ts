import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type {
  ChunkChoice,
  Delta,
  StreamChatCompletionResponse,
  ToolCallDelta,
} from "../../gen/tensorwall/v1/chat_pb.js";
import { contentFilterJson } from "./content-filter-json.js";
import { lenient } from "./lenient-json.js";
import { logprobsJson } from "./logprobs-json.js";
import { promptFilterResultsJson } from "./prompt-filter-results-json.js";
import { usageJson } from "./usage-json.js";

/**
 * One of Azure's `chat.completion.chunk` events as a stream message, leniently like
 * chatResponseFromJson. Azure's chunks that carry no tokens (the first one, with
 * `prompt_filter_results`, empty `choices` and empty `id` and `model`, and the content-filter
 * annotations that follow text already sent) read like any other chunk, so they reach the caller.
 */
export function chatChunkFromJson(json: JsonObject): StreamChatCompletionResponse {
  const choicesJson = lenient.array(json["choices"]);
  const choices: ChunkChoice[] = [];
  for (let i = 0; i < choicesJson.length; i++) {
    const choice = lenient.object(choicesJson[i]);
    if (choice !== undefined) choices.push(choiceFromJson(choice, i));
  }
  return {
    $typeName: "tensorwall.v1.StreamChatCompletionResponse",
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

function choiceFromJson(json: JsonObject, position: number): ChunkChoice {
  const index = json["index"];
  return {
    $typeName: "tensorwall.v1.ChunkChoice",
    index: typeof index === "number" ? lenient.integer(index) : position,
    delta: deltaFromJson(json["delta"]),
    finishReason: lenient.optionalString(json["finish_reason"]),
    logprobs: logprobsJson.fromJson(json["logprobs"]),
    contentFilterResults: contentFilterJson.resultsFromJson(json["content_filter_results"]),
    contentFilterOffsets: contentFilterJson.offsetsFromJson(json["content_filter_offsets"]),
  };
}

function deltaFromJson(value: JsonValue | undefined): Delta | undefined {
  const json = lenient.object(value);
  if (json === undefined) return undefined;
  const callsJson = lenient.array(json["tool_calls"]);
  const toolCalls: ToolCallDelta[] = [];
  for (let i = 0; i < callsJson.length; i++) {
    const call = lenient.object(callsJson[i]);
    if (call !== undefined) toolCalls.push(toolCallDeltaFromJson(call, i));
  }
  return {
    $typeName: "tensorwall.v1.Delta",
    role: lenient.optionalString(json["role"]),
    content: lenient.optionalString(json["content"]),
    refusal: lenient.optionalString(json["refusal"]),
    toolCalls,
  };
}

function toolCallDeltaFromJson(json: JsonObject, position: number): ToolCallDelta {
  const index = json["index"];
  const fn = lenient.object(json["function"]);
  return {
    $typeName: "tensorwall.v1.ToolCallDelta",
    index: typeof index === "number" ? lenient.integer(index) : position,
    id: lenient.optionalString(json["id"]),
    type: lenient.optionalString(json["type"]),
    function:
      fn === undefined
        ? undefined
        : {
            $typeName: "tensorwall.v1.FunctionCallDelta",
            name: lenient.optionalString(fn["name"]),
            arguments: lenient.optionalString(fn["arguments"]),
          },
  };
}
