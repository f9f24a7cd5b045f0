import { ScalarType, type DescField, type DescEnum, type DescMessage, type DescOneof, type UnknownField } from "@bufbuild/protobuf";
import { scalarZeroValue } from "@bufbuild/protobuf/reflect";
import { WireType } from "@bufbuild/protobuf/wire";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import type { EncodeBuffer } from "./encode-buffer.js";
import { GeneratedCode } from "./generated-code.js";
import { LazyCompiled } from "./lazy-compiled.js";
import { messageView } from "./message-codec.js";
import { scalarCodec, type ValueCodec } from "./scalar-codec.js";
import { uint32Size } from "./wire-size.js";

/** A message as protobuf-es holds it: fields by local name, oneofs as `{ case, value }`. */
export type MessageObject = Record<string, unknown>;

/** Sizes and writes the fields of one message type (without a tag or length of its own). */
export interface MessageFields {
  /** Bytes of the message's fields; records in `lengths` the lengths `write` will need. */
  size(message: MessageObject, lengths: number[]): number;
  write(message: MessageObject, out: EncodeBuffer): void;
}

const compiled = new WeakMap<DescMessage, MessageFields>();

/** The compiled fields of a message type, built on first use and kept per type. */
export function messageFields(desc: DescMessage): MessageFields {
  let fields = compiled.get(desc);
  if (fields === undefined) {
    fields = compile(desc);
    compiled.set(desc, fields);
  }
  return fields;
}

/**
 * Generates the size and write functions for one message type. They are generated, not composed
 * from closures, so that each field's property read is a site of its own that sees one object
 * shape: a shared closure reading `message[name]` for every field of every type goes megamorphic
 * and cost most of the time in profiles (see GeneratedCode for what generated code may contain).
 *
 * Fields are written in field-number order, as protobuf-es's toBinary does
 * (ReflectMessage.sortedFields), then the message's unknown fields.
 */
function compile(desc: DescMessage): MessageFields {
  const source = new GeneratedSource(desc.typeName);
  for (const field of desc.fields.concat().sort((a, b) => a.number - b.number)) {
    source.addField(field);
  }
  return source.build();
}

/** Unknown fields (and extensions, which protobuf-es keeps among them) go out as they came in. */
const unknownFields = {
  size(fields: UnknownField[] | undefined): number {
    let size = 0;
    if (fields !== undefined) {
      for (const { no, wireType, data } of fields) size += uint32Size(tag(no, wireType)) + data.byteLength;
    }
    return size;
  },
  write(fields: UnknownField[] | undefined, out: EncodeBuffer): void {
    if (fields === undefined) return;
    for (const { no, wireType, data } of fields) {
      out.uint32(tag(no, wireType));
      out.raw(data);
    }
  },
};

function tag(fieldNumber: number, wireType: WireType): number {
  return ((fieldNumber << 3) | wireType) >>> 0;
}

class GeneratedSource extends GeneratedCode {
  private sizeCode = "";
  private writeCode = "";

  /** `typeName` names the code in profiles and stack traces. */
  constructor(private readonly typeName: string) {
    super();
  }

  addField(field: DescField): void {
    switch (field.fieldKind) {
      case "scalar":
        this.addSingular(field, scalarCodec(field.scalar));
        break;
      case "enum":
        this.addSingular(field, scalarCodec(ScalarType.INT32));
        break;
      case "message":
        this.addMessage(field);
        break;
      case "list":
        this.addList(field);
        break;
      case "map":
        this.addMap(field);
        break;
    }
  }

  build(): MessageFields {
    const unknown = this.ref(unknownFields);
    const body = `return {
  size(m, L) {
    let s = 0, v;
${this.sizeCode}    return s + ${unknown}.size(m.$unknown);
  },
  write(m, o) {
    let v;
${this.writeCode}    ${unknown}.write(m.$unknown, o);
  },
};`;
    return this.compile<MessageFields>(body, "write", this.typeName);
  }

  /** Scalar sizing validates values; a failure names the field, as toBinary's does. */
  private withFieldContext(field: DescField, code: string): string {
    return `try { ${code} } catch (error) { throw ${this.ref(fieldValueError(field))}(error); }`;
  }

  private add(size: string, write: string): void {
    this.sizeCode += `    ${size}\n`;
    this.writeCode += `    ${write}\n`;
  }

  /** A singular field is written when protobuf-es's unsafeIsSet says it is set. */
  private addSingular(field: DescField & { fieldKind: "scalar" | "enum" }, codec: ValueCodec): void {
    const name = JSON.stringify(field.localName);
    const fieldTag = tag(field.number, codec.wireType);
    const value = this.ref(codec);
    const size = this.withFieldContext(field, `s += ${uint32Size(fieldTag)} + ${value}.size(v, L);`);
    const write = `o.uint32(${fieldTag}); ${value}.write(v, o);`;
    if (field.oneof !== undefined) {
      this.addOneofMember(field.oneof, field, size, write);
      return;
    }
    if (field.presence !== FeatureSet_FieldPresence.IMPLICIT) {
      // Explicit presence: proto2 defaults sit on the prototype, so only an own property counts.
      this.addExplicit(field, `(v = m[${name}]) !== undefined && ${this.ref(Object.prototype.hasOwnProperty)}.call(m, ${name})`, size, write);
      return;
    }
    // Implicit presence: set unless it holds the zero value. A missing property is not the
    // zero value to protobuf-es either; it writes the zero value for it.
    const zero =
      field.fieldKind === "enum" ? String(firstEnumNumber(field)) : this.ref(scalarZeroValue(field.scalar, false));
    const isSet = notZeroTest(field, `(v = m[${name}])`);
    const fill = `if (v === undefined) v = ${zero};`;
    this.add(`if (${isSet}) { ${fill} ${size} }`, `if (${isSet}) { ${fill} ${write} }`);
  }

  private addMessage(field: DescField & { fieldKind: "message" }): void {
    const nested = this.nestedMessage(field, field.message, field.delimitedEncoding, "v", "s");
    const fieldTag = tag(field.number, nested.wireType);
    const size = `s += ${uint32Size(fieldTag)}; ${nested.size}`;
    const write = `o.uint32(${fieldTag}); ${nested.write}`;
    if (field.oneof !== undefined) {
      this.addOneofMember(field.oneof, field, size, write);
      return;
    }
    // Set when defined: protobuf-es keeps only scalar and enum defaults on a prototype (create.js).
    this.addExplicit(field, `(v = m[${JSON.stringify(field.localName)}]) !== undefined`, size, write);
  }

  private addOneofMember(oneof: DescOneof, field: DescField, size: string, write: string): void {
    const isSet = `(v = m[${JSON.stringify(oneof.localName)}]).case === ${JSON.stringify(field.localName)}`;
    this.add(`if (${isSet}) { v = v.value; ${size} }`, `if (${isSet}) { v = v.value; ${write} }`);
  }

  private addExplicit(field: DescField, isSet: string, size: string, write: string): void {
    const notSet =
      field.presence === FeatureSet_FieldPresence.LEGACY_REQUIRED
        ? ` else throw new Error(${JSON.stringify(`cannot encode ${field.toString()} to binary: required field not set`)});`
        : "";
    this.add(`if (${isSet}) { ${size} }${notSet}`, `if (${isSet}) { ${write} }`);
  }

  /**
   * Code for a nested message held in `value` (an expression): `size` adds its bytes, without the
   * field's tag, to the variable `sum`; `write` writes them after the tag. Each field calls into
   * the nested type's fields from sites of its own, which see one message shape: one call shared
   * by every nested field of every type goes megamorphic, as a shared property read does.
   */
  private nestedMessage(
    field: DescField,
    desc: DescMessage,
    delimited: boolean,
    value: string,
    sum: string,
  ): { wireType: WireType; size: string; write: string } {
    const fields = `${this.ref(new LazyCompiled(() => messageFields(desc)))}.value`;
    const view = messageView(field, desc);
    const message = view === undefined ? value : `${this.ref(view)}(${value})`;
    if (delimited) {
      const endTag = tag(field.number, WireType.EndGroup);
      return {
        wireType: WireType.StartGroup,
        size: `${sum} += ${fields}.size(${message}, L) + ${uint32Size(endTag)};`,
        write: `${fields}.write(${message}, o); o.uint32(${endTag});`,
      };
    }
    return {
      wireType: WireType.LengthDelimited,
      size: `{ const at = L.push(0) - 1; const bytes = ${fields}.size(${message}, L); L[at] = bytes; ${sum} += ${this.ref(uint32Size)}(bytes) + bytes; }`,
      write: `o.uint32(o.nextLength()); ${fields}.write(${message}, o);`,
    };
  }

  private addList(field: DescField & { fieldKind: "list" }): void {
    const name = JSON.stringify(field.localName);
    if (field.listKind === "message") {
      const nested = this.nestedMessage(field, field.message, field.delimitedEncoding, "x", "s");
      const fieldTag = tag(field.number, nested.wireType);
      this.add(
        `for (const x of m[${name}]) { s += ${uint32Size(fieldTag)}; ${nested.size} }`,
        `for (const x of m[${name}]) { o.uint32(${fieldTag}); ${nested.write} }`,
      );
      return;
    }
    const codec = scalarCodec(field.scalar ?? ScalarType.INT32);
    const item = this.ref(codec);
    if (field.packed) {
      const fieldTag = tag(field.number, WireType.LengthDelimited);
      const varintSize = this.ref(uint32Size);
      this.add(
        this.withFieldContext(
          field,
          `if ((v = m[${name}]).length > 0) { const slot = L.push(0) - 1; let n = 0; for (const x of v) n += ${item}.size(x, L); L[slot] = n; s += ${uint32Size(fieldTag)} + ${varintSize}(n) + n; }`,
        ),
        `if ((v = m[${name}]).length > 0) { o.uint32(${fieldTag}); o.uint32(o.nextLength()); for (const x of v) ${item}.write(x, o); }`,
      );
      return;
    }
    const fieldTag = tag(field.number, codec.wireType);
    this.add(
      this.withFieldContext(field, `for (const x of m[${name}]) s += ${uint32Size(fieldTag)} + ${item}.size(x, L);`),
      `for (const x of m[${name}]) { o.uint32(${fieldTag}); ${item}.write(x, o); }`,
    );
  }

  /**
   * Each entry is a nested message with the key as field 1 and the value as field 2, both always
   * written, in Object.keys order, as protobuf-es's ReflectMap iterates.
   */
  private addMap(field: DescField & { fieldKind: "map" }): void {
    const name = JSON.stringify(field.localName);
    const fieldTag = tag(field.number, WireType.LengthDelimited);
    const keyCodec = scalarCodec(field.mapKey);
    const value = field.mapKind === "message" ? this.nestedMessage(field, field.message, false, "v[k]", "n") : this.scalarValue(field.scalar ?? ScalarType.INT32, "v[k]", "n");
    const keyTag = tag(1, keyCodec.wireType);
    const valueTag = tag(2, value.wireType);
    const keyFn = mapKeyReader(field.mapKey);
    const key = keyFn === undefined ? "k" : `${this.ref(keyFn)}(k)`;
    const keys = this.ref(keyCodec);
    const varintSize = this.ref(uint32Size);
    const tagsSize = uint32Size(keyTag) + uint32Size(valueTag);
    const entrySize = `v = m[${name}]; for (const k of Object.keys(v)) { const slot = L.push(0) - 1; let n = ${tagsSize} + ${keys}.size(${key}, L); ${value.size} L[slot] = n; s += ${uint32Size(fieldTag)} + ${varintSize}(n) + n; }`;
    this.add(
      // A message value's own errors already name their field.
      field.mapKind === "message" ? entrySize : this.withFieldContext(field, entrySize),
      `v = m[${name}]; for (const k of Object.keys(v)) { o.uint32(${fieldTag}); o.uint32(o.nextLength()); o.uint32(${keyTag}); ${keys}.write(${key}, o); o.uint32(${valueTag}); ${value.write} }`,
    );
  }

  /** Code for a scalar held in `value`, in the shape nestedMessage gives. */
  private scalarValue(type: ScalarType, value: string, sum: string): { wireType: WireType; size: string; write: string } {
    const codec = scalarCodec(type);
    const ref = this.ref(codec);
    return { wireType: codec.wireType, size: `${sum} += ${ref}.size(${value}, L);`, write: `${ref}.write(${value}, o);` };
  }
}

/**
 * The expression (over `read`, which assigns `v`) that is true when an implicit-presence value is
 * not its zero value, exactly as protobuf-es's isScalarZeroValue decides.
 */
function notZeroTest(field: DescField & { fieldKind: "scalar" | "enum" }, read: string): string {
  if (field.fieldKind === "enum") {
    return `${read} !== ${String(firstEnumNumber(field))}`;
  }
  switch (field.scalar) {
    case ScalarType.BOOL:
      return `${read} !== false`;
    case ScalarType.STRING:
      return `${read} !== ""`;
    case ScalarType.BYTES:
      return `!(${read} instanceof Uint8Array && v.byteLength === 0)`;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      // -0 is not the zero value (Object.is): protobuf-es writes it.
      return `!Object.is(${read}, 0)`;
    default:
      // Loose equality matches 0, 0n and "0" in 64-bit fields, as protobuf-es's does.
      return `${read} != 0`;
  }
}

/** A protobuf enum has at least one value; its first is the implicit-presence default. */
export function firstEnumNumber(field: { enum: DescEnum }): number {
  return (field.enum.values[0] as { number: number }).number;
}

/**
 * A map key is stored as an object key (a string); protobuf-es converts it back to the key type
 * before writing it (reflect.js mapKeyToReflect), leaving a key that does not convert as a
 * string. Undefined when the key goes to the codec as it is: strings, and 64-bit integers, which
 * the codec parses from their decimal string as protobuf-es does.
 */
function mapKeyReader(type: ScalarType): ((key: string) => unknown) | undefined {
  switch (type) {
    case ScalarType.INT32:
    case ScalarType.FIXED32:
    case ScalarType.UINT32:
    case ScalarType.SFIXED32:
    case ScalarType.SINT32:
      return (key) => {
        const number = Number.parseInt(key);
        return Number.isFinite(number) ? number : key;
      };
    case ScalarType.BOOL:
      return (key) => (key === "true" ? true : key === "false" ? false : key);
    default:
      return undefined;
  }
}

/** Prefixes a scalar's validation error with its field, as toBinary's message does. */
function fieldValueError(field: DescField): (error: unknown) => Error {
  return (error) =>
    new Error(`cannot encode field ${field.parent.typeName}.${field.name} to binary: ${(error as Error).message}`);
}
