import {
  Role,
  type ChatMessage,
  type ContentPart,
  type ToolCall,
} from "../../gen/tensorwall/v1/chat_pb.js";
import {
  emptyArray,
  invalidRequest,
  invalidType,
  invalidValue,
  isRecord,
  missingParameter,
  unknownField,
  unsupported,
  type UnknownRecord,
} from "./request-errors.js";

// Which content parts each role may send, as OpenAI's schema allows them per message type.
const TEXT = 1;
const IMAGE = 2;
const AUDIO = 4;
const REFUSAL = 8;

const ROLE_NAMES = ["system", "developer", "user", "assistant", "tool"] as const;

/**
 * One caller message, validated as strictly as OpenAI validates it. Fields the proto cannot hold are
 * rejected rather than dropped: a silently lost field would change what the model sees.
 */
export function chatMessageFromJson(json: unknown, i: number): ChatMessage {
  if (!isRecord(json)) throw invalidType(`messages[${i}]`, "an object", json);
  const role = roleFromJson(json["role"], i);
  const message: ChatMessage = {
    $typeName: "tensorwall.v1.ChatMessage",
    role,
    content: undefined,
    contentParts: [],
    name: undefined,
    toolCalls: [],
    toolCallId: undefined,
    refusal: undefined,
  };
  for (const key in json) {
    const value = json[key];
    switch (key) {
      case "role":
        break;
      case "content":
        if (value === null) break;
        if (typeof value === "string") message.content = value;
        else if (Array.isArray(value)) message.contentParts = contentPartsFromJson(value, role, i);
        else throw invalidType(`messages[${i}].content`, "a string or an array of content parts", value);
        break;
      case "name":
        if (value === null) break;
        if (role === Role.TOOL) throw notForRole(i, key, role);
        if (typeof value !== "string") throw invalidType(`messages[${i}].name`, "a string", value);
        message.name = value;
        break;
      case "refusal":
        if (value === null) break;
        if (role !== Role.ASSISTANT) throw notForRole(i, key, role);
        if (typeof value !== "string") throw invalidType(`messages[${i}].refusal`, "a string", value);
        message.refusal = value;
        break;
      case "tool_calls":
        if (value === null) break;
        if (role !== Role.ASSISTANT) throw notForRole(i, key, role);
        message.toolCalls = toolCallsFromJson(value, i);
        break;
      case "tool_call_id":
        if (value === null) break;
        if (role !== Role.TOOL) throw notForRole(i, key, role);
        if (typeof value !== "string") throw invalidType(`messages[${i}].tool_call_id`, "a string", value);
        message.toolCallId = value;
        break;
      case "function_call":
      case "audio":
        if (value === null) break;
        throw unsupported(`messages[${i}].${key}`, `'messages[${i}].${key}'`);
      default:
        throw unknownField(`messages[${i}]`, key);
    }
  }
  const hasContent = message.content !== undefined || message.contentParts.length > 0;
  if (!hasContent) {
    // OpenAI lets an assistant turn that only calls tools (or only refused) go without content.
    const assistantWithoutText =
      role === Role.ASSISTANT && (message.toolCalls.length > 0 || message.refusal !== undefined);
    if (!assistantWithoutText) throw missingParameter(`messages[${i}].content`);
  }
  if (role === Role.TOOL && message.toolCallId === undefined) {
    throw missingParameter(`messages[${i}].tool_call_id`);
  }
  return message;
}

function roleFromJson(value: unknown, i: number): Role {
  switch (value) {
    case "system":
      return Role.SYSTEM;
    case "developer":
      return Role.DEVELOPER;
    case "user":
      return Role.USER;
    case "assistant":
      return Role.ASSISTANT;
    case "tool":
      return Role.TOOL;
    case undefined:
    case null:
      throw missingParameter(`messages[${i}].role`);
    case "function":
      throw unsupported(`messages[${i}].role`, "The deprecated 'function' role (use 'tool')");
    default:
      if (typeof value !== "string") throw invalidType(`messages[${i}].role`, "a string", value);
      throw invalidValue(`messages[${i}].role`, value, ROLE_NAMES);
  }
}

function notForRole(i: number, key: string, role: Role) {
  return invalidRequest(
    `messages[${i}].${key}`,
    `'${key}' is not allowed in a message with role '${ROLE_NAMES[role - 1]}'.`,
  );
}

function allowedParts(role: Role): number {
  switch (role) {
    case Role.USER:
      return TEXT | IMAGE | AUDIO;
    case Role.ASSISTANT:
      return TEXT | REFUSAL;
    default:
      return TEXT;
  }
}

function partTypeNames(allowed: number): string[] {
  const names: string[] = [];
  if (allowed & TEXT) names.push("text");
  if (allowed & IMAGE) names.push("image_url");
  if (allowed & AUDIO) names.push("input_audio");
  if (allowed & REFUSAL) names.push("refusal");
  return names;
}

function contentPartsFromJson(json: unknown[], role: Role, i: number): ContentPart[] {
  if (json.length === 0) throw emptyArray(`messages[${i}].content`);
  const allowed = allowedParts(role);
  const parts: ContentPart[] = [];
  for (let j = 0; j < json.length; j++) parts.push(contentPartFromJson(json[j], allowed, i, j));
  return parts;
}

function contentPartFromJson(json: unknown, allowed: number, i: number, j: number): ContentPart {
  if (!isRecord(json)) throw invalidType(`messages[${i}].content[${j}]`, "an object", json);
  const type = json["type"];
  switch (type) {
    case "text":
      if (allowed & TEXT) {
        onlyKeys(json, "text", i, j);
        return {
          $typeName: "tensorwall.v1.ContentPart",
          part: { case: "text", value: partString(json, "text", i, j) },
        };
      }
      break;
    case "refusal":
      if (allowed & REFUSAL) {
        onlyKeys(json, "refusal", i, j);
        return {
          $typeName: "tensorwall.v1.ContentPart",
          part: { case: "refusal", value: partString(json, "refusal", i, j) },
        };
      }
      break;
    case "image_url":
      if (allowed & IMAGE) {
        onlyKeys(json, "image_url", i, j);
        return {
          $typeName: "tensorwall.v1.ContentPart",
          part: { case: "imageUrl", value: imageUrlFromJson(json, i, j) },
        };
      }
      break;
    case "input_audio":
      if (allowed & AUDIO) {
        onlyKeys(json, "input_audio", i, j);
        return {
          $typeName: "tensorwall.v1.ContentPart",
          part: { case: "inputAudio", value: inputAudioFromJson(json, i, j) },
        };
      }
      break;
    case undefined:
    case null:
      throw missingParameter(`messages[${i}].content[${j}].type`);
    case "file":
      if (allowed & IMAGE) throw unsupported(`messages[${i}].content[${j}].type`, "Content part type 'file'");
      break;
  }
  const param = `messages[${i}].content[${j}].type`;
  if (typeof type !== "string") throw invalidType(param, "a string", type);
  throw invalidValue(param, type, partTypeNames(allowed));
}

/** A part carries its type and one payload key named after it; anything else would be dropped. */
function onlyKeys(json: UnknownRecord, payload: string, i: number, j: number): void {
  for (const key in json) {
    if (key !== "type" && key !== payload) throw unknownField(`messages[${i}].content[${j}]`, key);
  }
}

function partString(json: UnknownRecord, key: string, i: number, j: number): string {
  const value = json[key];
  if (typeof value === "string") return value;
  if (value === undefined || value === null) throw missingParameter(`messages[${i}].content[${j}].${key}`);
  throw invalidType(`messages[${i}].content[${j}].${key}`, "a string", value);
}

function imageUrlFromJson(part: UnknownRecord, i: number, j: number) {
  const json = part["image_url"];
  const param = `messages[${i}].content[${j}].image_url`;
  if (json === undefined || json === null) throw missingParameter(param);
  if (!isRecord(json)) throw invalidType(param, "an object", json);
  let url: string | undefined;
  let detail: string | undefined;
  for (const key in json) {
    const value = json[key];
    if (key === "url") {
      if (typeof value !== "string" && value !== null) throw invalidType(`${param}.url`, "a string", value);
      url = value ?? undefined;
    } else if (key === "detail") {
      if (typeof value !== "string" && value !== null) throw invalidType(`${param}.detail`, "a string", value);
      detail = value ?? undefined;
    } else {
      throw unknownField(param, key);
    }
  }
  if (url === undefined) throw missingParameter(`${param}.url`);
  return { $typeName: "tensorwall.v1.ImageUrl" as const, url, detail };
}

function inputAudioFromJson(part: UnknownRecord, i: number, j: number) {
  const json = part["input_audio"];
  const param = `messages[${i}].content[${j}].input_audio`;
  if (json === undefined || json === null) throw missingParameter(param);
  if (!isRecord(json)) throw invalidType(param, "an object", json);
  for (const key in json) {
    if (key !== "data" && key !== "format") throw unknownField(param, key);
  }
  const data = json["data"];
  const format = json["format"];
  if (data === undefined || data === null) throw missingParameter(`${param}.data`);
  if (typeof data !== "string") throw invalidType(`${param}.data`, "a string", data);
  if (format === undefined || format === null) throw missingParameter(`${param}.format`);
  if (typeof format !== "string") throw invalidType(`${param}.format`, "a string", format);
  return { $typeName: "tensorwall.v1.InputAudio" as const, data, format };
}

function toolCallsFromJson(json: unknown, i: number): ToolCall[] {
  if (!Array.isArray(json)) throw invalidType(`messages[${i}].tool_calls`, "an array", json);
  // An empty list would vanish in the proto (a repeated field has no presence); OpenAI refuses it too.
  if (json.length === 0) throw emptyArray(`messages[${i}].tool_calls`);
  const calls: ToolCall[] = [];
  for (let k = 0; k < json.length; k++) calls.push(toolCallFromJson(json[k], i, k));
  return calls;
}

function toolCallFromJson(json: unknown, i: number, k: number): ToolCall {
  const param = `messages[${i}].tool_calls[${k}]`;
  if (!isRecord(json)) throw invalidType(param, "an object", json);
  const type = json["type"];
  if (type === undefined || type === null) throw missingParameter(`${param}.type`);
  if (type !== "function") throw invalidValue(`${param}.type`, type, ["function"]);
  for (const key in json) {
    if (key !== "id" && key !== "type" && key !== "function") throw unknownField(param, key);
  }
  const id = json["id"];
  if (id === undefined || id === null) throw missingParameter(`${param}.id`);
  if (typeof id !== "string") throw invalidType(`${param}.id`, "a string", id);
  const fn = json["function"];
  if (fn === undefined || fn === null) throw missingParameter(`${param}.function`);
  if (!isRecord(fn)) throw invalidType(`${param}.function`, "an object", fn);
  for (const key in fn) {
    if (key !== "name" && key !== "arguments") throw unknownField(`${param}.function`, key);
  }
  const name = fn["name"];
  if (name === undefined || name === null) throw missingParameter(`${param}.function.name`);
  if (typeof name !== "string") throw invalidType(`${param}.function.name`, "a string", name);
  const args = fn["arguments"];
  if (args === undefined || args === null) throw missingParameter(`${param}.function.arguments`);
  if (typeof args !== "string") throw invalidType(`${param}.function.arguments`, "a string", args);
  return {
    $typeName: "tensorwall.v1.ToolCall",
    id,
    type,
    function: { $typeName: "tensorwall.v1.FunctionCall", name, arguments: args },
  };
}
