import type { DescField, DescMessage, JsonObject } from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";
import type { MessageFields, MessageObject } from "./message-fields.js";
import type { ValueCodec } from "./scalar-codec.js";
import { structFromJson } from "./struct-json.js";
import { uint32Size } from "./wire-size.js";

/**
 * A nested message as a field value: length-delimited, or (proto2 groups, editions DELIMITED)
 * closed by an end tag. `fieldsOf` is asked on the first value, so nested types compile lazily
 * and a recursive type does not recurse at compile time.
 */
export function messageCodec(
  field: DescField,
  desc: DescMessage,
  delimited: boolean,
  fieldsOf: (desc: DescMessage) => MessageFields,
): ValueCodec {
  const asMessage = messageView(field, desc);
  let fields: MessageFields | undefined;
  if (delimited) {
    const endTag = ((field.number << 3) | WireType.EndGroup) >>> 0;
    const endTagSize = uint32Size(endTag);
    return {
      wireType: WireType.StartGroup,
      size(value, lengths) {
        fields ??= fieldsOf(desc);
        return fields.size(asMessage(value), lengths) + endTagSize;
      },
      write(value, out) {
        fields ??= fieldsOf(desc);
        fields.write(asMessage(value), out);
        out.uint32(endTag);
      },
    };
  }
  return {
    wireType: WireType.LengthDelimited,
    size(value, lengths) {
      fields ??= fieldsOf(desc);
      const slot = lengths.push(0) - 1;
      const size = fields.size(asMessage(value), lengths);
      lengths[slot] = size;
      return uint32Size(size) + size;
    },
    write(value, out) {
      fields ??= fieldsOf(desc);
      out.uint32(out.nextLength());
      fields.write(asMessage(value), out);
    },
  };
}

/**
 * protobuf-es holds some well-known types in fields as plain values (reflect.js
 * messageToReflect): a wrapper in a singular non-oneof field as its unboxed scalar, a Struct
 * (outside google.protobuf.Value) as a JsonObject. Both are rebuilt into the message they stand for.
 */
function messageView(field: DescField, desc: DescMessage): (value: unknown) => MessageObject {
  if (field.fieldKind === "message" && field.oneof === undefined && isWrapperDesc(desc)) {
    return (value) => ({ $typeName: desc.typeName, value });
  }
  if (desc.typeName === "google.protobuf.Struct" && field.parent.typeName !== "google.protobuf.Value") {
    // Rebuilt on both passes: Struct fields sit in requests, not in streamed chunks.
    return (value) => (isJsonObject(value) ? structFromJson(value) : (value as MessageObject));
  }
  return (value) => value as MessageObject;
}

function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
