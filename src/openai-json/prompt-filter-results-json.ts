import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { PromptFilterResult } from "../../gen/tensorwall/v1/chat_pb.js";
import { contentFilterJson } from "./content-filter-json.js";
import { lenient } from "./lenient-json.js";

/** Azure's per-prompt content-filter results between its JSON and the proto. */
export const promptFilterResultsJson = {
  /**
   * Reads `prompt_filter_results`, or `prompt_annotations`, the name older Azure API versions (and
   * their asynchronous-filter streams) use for the same list.
   */
  fromJson(json: JsonObject): PromptFilterResult[] {
    const list = lenient.array(json["prompt_filter_results"] ?? json["prompt_annotations"]);
    const results: PromptFilterResult[] = [];
    for (const item of list) {
      const result = lenient.object(item);
      if (result === undefined) continue;
      results.push({
        $typeName: "tensorwall.v1.PromptFilterResult",
        promptIndex: lenient.integer(result["prompt_index"]),
        contentFilterResults: contentFilterJson.resultsFromJson(result["content_filter_results"]),
      });
    }
    return results;
  },

  toJson(results: readonly PromptFilterResult[]): JsonValue[] {
    const out: JsonValue[] = [];
    for (const result of results) {
      const json: JsonObject = { prompt_index: result.promptIndex };
      if (result.contentFilterResults !== undefined) {
        json["content_filter_results"] = contentFilterJson.resultsToJson(result.contentFilterResults);
      }
      out.push(json);
    }
    return out;
  },
};
