import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { ListValue, Struct, Value } from "@bufbuild/protobuf/wkt";

/**
 * A field of type google.protobuf.Struct holds a JsonObject; on the wire it is a Struct message.
 * This builds that message the way protobuf-es's reflection does (reflect.js wktStructToReflect),
 * so a value it cannot represent (undefined, a function) becomes an empty Value, as there.
 */
export function structFromJson(json: JsonObject): Struct {
  const fields: Record<string, Value> = {};
  for (const [key, value] of Object.entries(json)) {
    fields[key] = valueFromJson(value);
  }
  return { $typeName: "google.protobuf.Struct", fields };
}

function valueFromJson(json: JsonValue | undefined): Value {
  switch (typeof json) {
    case "number":
      return value({ case: "numberValue", value: json });
    case "string":
      return value({ case: "stringValue", value: json });
    case "boolean":
      return value({ case: "boolValue", value: json });
    case "object":
      if (json === null) return value({ case: "nullValue", value: 0 });
      if (Array.isArray(json)) {
        const list: ListValue = { $typeName: "google.protobuf.ListValue", values: json.map(valueFromJson) };
        return value({ case: "listValue", value: list });
      }
      return value({ case: "structValue", value: structFromJson(json) });
    default:
      return value({ case: undefined });
  }
}

function value(kind: Value["kind"]): Value {
  return { $typeName: "google.protobuf.Value", kind };
}

/** The JsonObject protobuf-es holds for a decoded Struct (reflect.js wktStructToLocal). */
export function structToJson(struct: Struct): JsonObject {
  const json: JsonObject = {};
  for (const [key, value] of Object.entries(struct.fields)) {
    json[key] = valueToJson(value);
  }
  return json;
}

function valueToJson(value: Value): JsonValue {
  switch (value.kind.case) {
    case "structValue":
      return structToJson(value.kind.value);
    case "listValue":
      return value.kind.value.values.map(valueToJson);
    case "nullValue":
    case undefined:
      return null;
    default:
      return value.kind.value;
  }
}
