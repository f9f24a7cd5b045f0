import { ToolChoice_Mode, type ToolChoice } from "../../gen/tensorwall/v1/chat_pb.js";
import {
  invalidType,
  invalidValue,
  isRecord,
  missingParameter,
  unknownField,
  type UnknownRecord,
} from "./request-errors.js";
import { requestField } from "./request-field.js";

const MODES = ["none", "auto", "required"];

/** A request's `tool_choice`: a mode, or `{type: "function", function: {name}}`. */
export function toolChoiceFromJson(json: unknown): ToolChoice | undefined {
  let mode: ToolChoice_Mode;
  switch (json) {
    case null:
      return undefined;
    case "none":
      mode = ToolChoice_Mode.NONE;
      break;
    case "auto":
      mode = ToolChoice_Mode.AUTO;
      break;
    case "required":
      mode = ToolChoice_Mode.REQUIRED;
      break;
    default:
      if (typeof json === "string") throw invalidValue("tool_choice", json, MODES);
      if (!isRecord(json)) throw invalidType("tool_choice", "a string or an object naming a function", json);
      return {
        $typeName: "tensorwall.v1.ToolChoice",
        choice: { case: "functionName", value: namedFunction(json) },
      };
  }
  return { $typeName: "tensorwall.v1.ToolChoice", choice: { case: "mode", value: mode } };
}

function namedFunction(json: UnknownRecord): string {
  const type = json["type"];
  if (type === undefined || type === null) throw missingParameter("tool_choice.type");
  if (type !== "function") throw invalidValue("tool_choice.type", type, ["function"]);
  for (const key in json) {
    if (key !== "type" && key !== "function") throw unknownField("tool_choice", key);
  }
  const fn = json["function"];
  if (fn === undefined || fn === null) throw missingParameter("tool_choice.function");
  if (!isRecord(fn)) throw invalidType("tool_choice.function", "an object", fn);
  for (const key in fn) {
    if (key !== "name") throw unknownField("tool_choice.function", key);
  }
  return requestField.requiredName(fn, "tool_choice.function");
}
