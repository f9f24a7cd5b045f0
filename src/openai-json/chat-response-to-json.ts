import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { Choice, CreateChatCompletionResponse } from "../../gen/tensorwall/v1/chat_pb.js";
import { contentFilterJson } from "./content-filter-json.js";
import { logprobsJson } from "./logprobs-json.js";
import { promptFilterResultsJson } from "./prompt-filter-results-json.js";
import { toolCallToJson } from "./tool-call-to-json.js";
import { usageJson } from "./usage-json.js";

/**
 * A response as the `chat.completion` JSON an OpenAI client expects, with Azure's content-filter
 * results where Azure sent them. `served_by` is left out: the REST bridge reports it in headers.
 */
export function chatResponseToJson(response: CreateChatCompletionResponse): JsonObject {
  const choices: JsonValue[] = [];
  for (const choice of response.choices) choices.push(choiceToJson(choice));
  const out: JsonObject = {
    id: response.id,
    object: "chat.completion",
    created: Number(response.created),
    model: response.model,
    choices,
  };
  if (response.usage !== undefined) out["usage"] = usageJson.toJson(response.usage);
  if (response.systemFingerprint !== "") out["system_fingerprint"] = response.systemFingerprint;
  if (response.promptFilterResults.length > 0) {
    out["prompt_filter_results"] = promptFilterResultsJson.toJson(response.promptFilterResults);
  }
  return out;
}

function choiceToJson(choice: Choice): JsonObject {
  const message = choice.message;
  const messageJson: JsonObject = {
    role: "assistant",
    content: message?.content ?? null,
    refusal: message?.refusal ?? null,
  };
  if (message !== undefined && message.toolCalls.length > 0) {
    messageJson["tool_calls"] = message.toolCalls.map(toolCallToJson);
  }
  const out: JsonObject = {
    index: choice.index,
    message: messageJson,
    logprobs: choice.logprobs === undefined ? null : logprobsJson.toJson(choice.logprobs),
    finish_reason: choice.finishReason === "" ? null : choice.finishReason,
  };
  if (choice.contentFilterResults !== undefined) {
    out["content_filter_results"] = contentFilterJson.resultsToJson(choice.contentFilterResults);
  }
  return out;
}
