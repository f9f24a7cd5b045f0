import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type {
  ChunkChoice,
  Delta,
  StreamChatCompletionResponse,
  ToolCallDelta,
} from "../../gen/tensorwall/v1/chat_pb.js";
import { contentFilterJson } from "./content-filter-json.js";
import { logprobsJson } from "./logprobs-json.js";
import { promptFilterResultsJson } from "./prompt-filter-results-json.js";
import { usageJson } from "./usage-json.js";

/**
 * A stream message as the `chat.completion.chunk` JSON an OpenAI client expects: delta fields only
 * when present, `finish_reason` and `logprobs` as `null` when absent, `usage` only when present.
 * `served_by` is left out: the REST bridge reports it in headers.
 */
export function chatChunkToJson(chunk: StreamChatCompletionResponse): JsonObject {
  const choices: JsonValue[] = [];
  for (const choice of chunk.choices) choices.push(choiceToJson(choice));
  const out: JsonObject = {
    id: chunk.id,
    // Azure's chunks that only annotate (the first one, with the prompt's filter results, and
    // asynchronous-filter annotations) have no id, no timestamp and an empty `object`; they are
    // passed on as Azure sent them. See "Annotations and sample responses" in
    // https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-streaming
    object: chunk.id === "" && chunk.created === 0n ? "" : "chat.completion.chunk",
    created: Number(chunk.created),
    model: chunk.model,
    choices,
  };
  if (chunk.systemFingerprint !== "") out["system_fingerprint"] = chunk.systemFingerprint;
  if (chunk.usage !== undefined) out["usage"] = usageJson.toJson(chunk.usage);
  if (chunk.promptFilterResults.length > 0) {
    out["prompt_filter_results"] = promptFilterResultsJson.toJson(chunk.promptFilterResults);
  }
  return out;
}

function choiceToJson(choice: ChunkChoice): JsonObject {
  const out: JsonObject = { index: choice.index };
  if (choice.delta !== undefined) out["delta"] = deltaToJson(choice.delta);
  out["logprobs"] = choice.logprobs === undefined ? null : logprobsJson.toJson(choice.logprobs);
  out["finish_reason"] = choice.finishReason ?? null;
  if (choice.contentFilterResults !== undefined) {
    out["content_filter_results"] = contentFilterJson.resultsToJson(choice.contentFilterResults);
  }
  if (choice.contentFilterOffsets !== undefined) {
    out["content_filter_offsets"] = contentFilterJson.offsetsToJson(choice.contentFilterOffsets);
  }
  return out;
}

function deltaToJson(delta: Delta): JsonObject {
  const out: JsonObject = {};
  if (delta.role !== undefined) out["role"] = delta.role;
  if (delta.content !== undefined) out["content"] = delta.content;
  if (delta.refusal !== undefined) out["refusal"] = delta.refusal;
  if (delta.toolCalls.length > 0) out["tool_calls"] = delta.toolCalls.map(toolCallDeltaToJson);
  return out;
}

function toolCallDeltaToJson(call: ToolCallDelta): JsonObject {
  const out: JsonObject = { index: call.index };
  if (call.id !== undefined) out["id"] = call.id;
  if (call.type !== undefined) out["type"] = call.type;
  if (call.function !== undefined) {
    const fn: JsonObject = {};
    if (call.function.name !== undefined) fn["name"] = call.function.name;
    if (call.function.arguments !== undefined) fn["arguments"] = call.function.arguments;
    out["function"] = fn;
  }
  return out;
}
