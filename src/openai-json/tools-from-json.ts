import type { JsonObject } from "@bufbuild/protobuf";
import type { Tool } from "../../gen/tensorwall/v1/chat_pb.js";
import {
  invalidType,
  invalidValue,
  isRecord,
  missingParameter,
  unknownField,
} from "./request-errors.js";
import { requestField } from "./request-field.js";

/** A request's `tools`: function tools only, the one kind the proto models. */
export function toolsFromJson(json: unknown): Tool[] {
  if (json === null) return [];
  if (!Array.isArray(json)) throw invalidType("tools", "an array", json);
  const tools: Tool[] = [];
  for (let i = 0; i < json.length; i++) tools.push(toolFromJson(json[i], i));
  return tools;
}

function toolFromJson(json: unknown, i: number): Tool {
  const param = `tools[${i}]`;
  if (!isRecord(json)) throw invalidType(param, "an object", json);
  const type = json["type"];
  if (type === undefined || type === null) throw missingParameter(`${param}.type`);
  if (type !== "function") throw invalidValue(`${param}.type`, type, ["function"]);
  for (const key in json) {
    if (key !== "type" && key !== "function") throw unknownField(param, key);
  }
  const fn = json["function"];
  if (fn === undefined || fn === null) throw missingParameter(`${param}.function`);
  if (!isRecord(fn)) throw invalidType(`${param}.function`, "an object", fn);
  const name = requestField.requiredName(fn, `${param}.function`);
  let description: string | undefined;
  let parameters: JsonObject | undefined;
  let strict: boolean | undefined;
  for (const key in fn) {
    const value = fn[key];
    switch (key) {
      case "name":
        break;
      case "description":
        description = requestField.optionalString(value, `${param}.function.description`);
        break;
      case "parameters":
        parameters = requestField.optionalObject(value, `${param}.function.parameters`);
        break;
      case "strict":
        strict = requestField.optionalBoolean(value, `${param}.function.strict`);
        break;
      default:
        throw unknownField(`${param}.function`, key);
    }
  }
  return {
    $typeName: "tensorwall.v1.Tool",
    type,
    function: { $typeName: "tensorwall.v1.FunctionDefinition", name, description, parameters, strict },
  };
}
