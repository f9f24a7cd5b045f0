import type { DescField, DescMessage, JsonObject } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";
import type { MessageObject } from "./message-fields.js";
import { structFromJson } from "./struct-json.js";

/**
 * protobuf-es holds a wrapper (google/protobuf/wrappers.proto) in a singular non-oneof field as
 * its unboxed value (reflect.js messageToLocal).
 */
export function holdsWrapperValue(field: DescField, desc: DescMessage): boolean {
  return field.fieldKind === "message" && field.oneof === undefined && isWrapperDesc(desc);
}

/** protobuf-es holds a Struct outside google.protobuf.Value as a JsonObject (reflect.js messageToLocal). */
export function holdsStructAsJson(field: DescField, desc: DescMessage): boolean {
  return desc.typeName === "google.protobuf.Struct" && field.parent.typeName !== "google.protobuf.Value";
}

/**
 * For a field whose value protobuf-es holds as a plain value, the message that value stands for;
 * undefined where the value is the message itself.
 */
export function messageView(field: DescField, desc: DescMessage): ((value: unknown) => MessageObject) | undefined {
  if (holdsWrapperValue(field, desc)) {
    return (value) => ({ $typeName: desc.typeName, value });
  }
  if (holdsStructAsJson(field, desc)) {
    // Rebuilt on both passes: Struct fields sit in requests, not in streamed chunks.
    return (value) => (isJsonObject(value) ? structFromJson(value) : (value as MessageObject));
  }
  return undefined;
}

function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
