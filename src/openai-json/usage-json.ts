import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { Usage } from "../../gen/tensorwall/v1/chat_pb.js";
import { lenient } from "./lenient-json.js";

/** Token usage between Azure's JSON and the proto, in both directions; `null` reads as absent. */
export const usageJson = {
  fromJson(value: JsonValue | undefined): Usage | undefined {
    const json = lenient.object(value);
    if (json === undefined) return undefined;
    const prompt = lenient.object(json["prompt_tokens_details"]);
    const completion = lenient.object(json["completion_tokens_details"]);
    return {
      $typeName: "tensorwall.v1.Usage",
      promptTokens: lenient.integer(json["prompt_tokens"]),
      completionTokens: lenient.integer(json["completion_tokens"]),
      totalTokens: lenient.integer(json["total_tokens"]),
      promptTokensDetails:
        prompt === undefined
          ? undefined
          : {
              $typeName: "tensorwall.v1.PromptTokensDetails",
              cachedTokens: lenient.integer(prompt["cached_tokens"]),
              audioTokens: lenient.integer(prompt["audio_tokens"]),
            },
      completionTokensDetails:
        completion === undefined
          ? undefined
          : {
              $typeName: "tensorwall.v1.CompletionTokensDetails",
              reasoningTokens: lenient.integer(completion["reasoning_tokens"]),
              audioTokens: lenient.integer(completion["audio_tokens"]),
              acceptedPredictionTokens: lenient.integer(completion["accepted_prediction_tokens"]),
              rejectedPredictionTokens: lenient.integer(completion["rejected_prediction_tokens"]),
            },
    };
  },

  toJson(usage: Usage): JsonObject {
    const out: JsonObject = {
      prompt_tokens: usage.promptTokens,
      completion_tokens: usage.completionTokens,
      total_tokens: usage.totalTokens,
    };
    const prompt = usage.promptTokensDetails;
    if (prompt !== undefined) {
      out["prompt_tokens_details"] = { cached_tokens: prompt.cachedTokens, audio_tokens: prompt.audioTokens };
    }
    const completion = usage.completionTokensDetails;
    if (completion !== undefined) {
      out["completion_tokens_details"] = {
        reasoning_tokens: completion.reasoningTokens,
        audio_tokens: completion.audioTokens,
        accepted_prediction_tokens: completion.acceptedPredictionTokens,
        rejected_prediction_tokens: completion.rejectedPredictionTokens,
      };
    }
    return out;
  },
};
