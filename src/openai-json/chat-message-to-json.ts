import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { Role, type ChatMessage, type ContentPart } from "../../gen/tensorwall/v1/chat_pb.js";
import { invalidRequest } from "./request-errors.js";
import { toolCallToJson } from "./tool-call-to-json.js";

const ROLE_NAMES: readonly (string | undefined)[] = [
  undefined,
  "system",
  "developer",
  "user",
  "assistant",
  "tool",
];

/**
 * One request message as OpenAI JSON. Messages from the REST bridge were validated on the way in; an
 * RPC caller's message can still be one that has no JSON form, and that fails here as the caller's
 * mistake rather than reaching Azure.
 */
export function chatMessageToJson(message: ChatMessage, i: number): JsonObject {
  const role = ROLE_NAMES[message.role];
  if (role === undefined) {
    throw invalidRequest(`messages[${i}].role`, `Invalid 'messages[${i}].role': a role is required.`);
  }
  const out: JsonObject = { role };
  if (message.content !== undefined) {
    if (message.contentParts.length > 0) {
      throw invalidRequest(
        `messages[${i}].content`,
        `Invalid 'messages[${i}]': set either content or content_parts, not both.`,
      );
    }
    out["content"] = message.content;
  } else if (message.contentParts.length > 0) {
    const parts: JsonValue[] = [];
    for (let j = 0; j < message.contentParts.length; j++) {
      parts.push(contentPartToJson(message.contentParts[j]!, i, j));
    }
    out["content"] = parts;
  } else if (message.role === Role.ASSISTANT) {
    // The form the OpenAI SDKs replay an assistant turn that only called tools in.
    out["content"] = null;
  }
  if (message.refusal !== undefined) out["refusal"] = message.refusal;
  if (message.name !== undefined) out["name"] = message.name;
  if (message.toolCalls.length > 0) out["tool_calls"] = message.toolCalls.map(toolCallToJson);
  if (message.toolCallId !== undefined) out["tool_call_id"] = message.toolCallId;
  return out;
}

function contentPartToJson(part: ContentPart, i: number, j: number): JsonObject {
  const p = part.part;
  switch (p.case) {
    case "text":
      return { type: "text", text: p.value };
    case "refusal":
      return { type: "refusal", refusal: p.value };
    case "imageUrl": {
      const imageUrl: JsonObject = { url: p.value.url };
      if (p.value.detail !== undefined) imageUrl["detail"] = p.value.detail;
      return { type: "image_url", image_url: imageUrl };
    }
    case "inputAudio":
      return { type: "input_audio", input_audio: { data: p.value.data, format: p.value.format } };
    default:
      throw invalidRequest(
        `messages[${i}].content[${j}]`,
        `Invalid 'messages[${i}].content[${j}]': a content part needs text, an image, audio or a refusal.`,
      );
  }
}
