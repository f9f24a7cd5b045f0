import type { JsonObject } from "@bufbuild/protobuf";
import type { ToolCall } from "../../gen/tensorwall/v1/chat_pb.js";

/** A tool call as OpenAI JSON; requests and responses share the form. */
export function toolCallToJson(call: ToolCall): JsonObject {
  return {
    id: call.id,
    // "function" is the only type there is, and an RPC caller may leave the field at its zero value.
    type: call.type || "function",
    function: { name: call.function?.name ?? "", arguments: call.function?.arguments ?? "" },
  };
}
