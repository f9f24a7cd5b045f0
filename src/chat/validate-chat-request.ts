import type { CreateChatCompletionRequest } from "../../gen/tensorwall/v1/chat_pb.js";
import { Role } from "../../gen/tensorwall/v1/chat_pb.js";
import { GatewayError } from "../errors/index.js";

/**
 * The checks that hold for every door. The REST bridge's JSON parser already enforces JSON types;
 * these are the rules a typed RPC request can still break.
 */
export function validateChatRequest(request: CreateChatCompletionRequest): void {
  if (request.model === "") invalid("model", "'model' is required.");
  if (request.messages.length === 0) invalid("messages", "'messages' must contain at least one message.");
  request.messages.forEach((message, index) => {
    const at = `messages[${index}]`;
    if (message.role === Role.UNSPECIFIED) invalid(`${at}.role`, `${at}.role is required.`);
    if (message.content !== undefined && message.contentParts.length > 0) {
      invalid(`${at}.content`, `${at} has both content and content_parts; send one.`);
    }
    if (message.role === Role.TOOL && message.toolCallId === undefined) {
      invalid(`${at}.tool_call_id`, `${at} is a tool message and needs tool_call_id.`);
    }
    if (message.toolCalls.length > 0 && message.role !== Role.ASSISTANT) {
      invalid(`${at}.tool_calls`, `${at}.tool_calls is only valid on assistant messages.`);
    }
  });
  if (request.n !== undefined && request.n < 1) invalid("n", "'n' must be at least 1.");
}

function invalid(param: string, message: string): never {
  throw new GatewayError("invalid_request", message, { param });
}
