import type { JsonObject } from "@bufbuild/protobuf";
import { ResponseFormat_Type, type ResponseFormat } from "../../gen/tensorwall/v1/chat_pb.js";
import { invalidType, invalidValue, isRecord, missingParameter, unknownField } from "./request-errors.js";
import { requestField } from "./request-field.js";

const TYPES = ["text", "json_object", "json_schema"];

/** A request's `response_format`: text, a JSON object, or output held to a named JSON schema. */
export function responseFormatFromJson(json: unknown): ResponseFormat | undefined {
  if (json === null) return undefined;
  if (!isRecord(json)) throw invalidType("response_format", "an object", json);
  const type = json["type"];
  let formatType: ResponseFormat_Type;
  switch (type) {
    case "text":
      formatType = ResponseFormat_Type.TEXT;
      break;
    case "json_object":
      formatType = ResponseFormat_Type.JSON_OBJECT;
      break;
    case "json_schema":
      formatType = ResponseFormat_Type.JSON_SCHEMA;
      break;
    case undefined:
    case null:
      throw missingParameter("response_format.type");
    default:
      if (typeof type !== "string") throw invalidType("response_format.type", "a string", type);
      throw invalidValue("response_format.type", type, TYPES);
  }
  for (const key in json) {
    if (key !== "type" && !(key === "json_schema" && formatType === ResponseFormat_Type.JSON_SCHEMA)) {
      throw unknownField("response_format", key);
    }
  }
  const format: ResponseFormat = {
    $typeName: "tensorwall.v1.ResponseFormat",
    type: formatType,
    jsonSchema: undefined,
  };
  if (formatType === ResponseFormat_Type.JSON_SCHEMA) {
    format.jsonSchema = jsonSchemaFromJson(json["json_schema"]);
  }
  return format;
}

function jsonSchemaFromJson(json: unknown): ResponseFormat["jsonSchema"] {
  const param = "response_format.json_schema";
  if (json === undefined || json === null) throw missingParameter(param);
  if (!isRecord(json)) throw invalidType(param, "an object", json);
  const name = requestField.requiredName(json, param);
  let description: string | undefined;
  let schema: JsonObject | undefined;
  let strict: boolean | undefined;
  for (const key in json) {
    const value = json[key];
    switch (key) {
      case "name":
        break;
      case "description":
        description = requestField.optionalString(value, `${param}.description`);
        break;
      case "schema":
        schema = requestField.optionalObject(value, `${param}.schema`);
        break;
      case "strict":
        strict = requestField.optionalBoolean(value, `${param}.strict`);
        break;
      default:
        throw unknownField(param, key);
    }
  }
  return { $typeName: "tensorwall.v1.JsonSchema", name, description, schema, strict };
}
