import { create, fromBinary, ScalarType, type DescField, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { scalarZeroValue } from "@bufbuild/protobuf/reflect";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { Edition, FeatureSet_FieldPresence, type Struct } from "@bufbuild/protobuf/wkt";
import { GeneratedCode } from "./generated-code.js";
import { LazyCompiled } from "./lazy-compiled.js";
import { holdsStructAsJson, holdsWrapperValue } from "./message-codec.js";
import { firstEnumNumber } from "./message-fields.js";
import { structToJson } from "./struct-json.js";

/** Decodes messages of one type from the protobuf binary format. */
export interface BinaryDecoder<T> {
  /** The message `fromBinary(schema, bytes)` gives; it may hold views into `bytes` (bytes fields, unknown fields). */
  decode(bytes: Uint8Array): T;
}

const decoders = new WeakMap<DescMessage, BinaryDecoder<unknown>>();

/**
 * A decoder specialised for `schema`, built once per schema. protobuf-es's reflective fromBinary
 * wraps every message it reads in a reflection object and builds a map of its fields by number
 * for each one; a compiled reader of a proto3 type reads straight into the message literal.
 * Types outside proto3 (proto2 defaults, closed enums, groups) are decoded by fromBinary itself.
 */
export function binaryDecoder<Desc extends DescMessage>(schema: Desc): BinaryDecoder<MessageShape<Desc>> {
  let decoder = decoders.get(schema) as BinaryDecoder<MessageShape<Desc>> | undefined;
  if (decoder === undefined) {
    decoder = allProto3(schema, new Set()) ? compiledDecoder(schema) : { decode: (bytes) => fromBinary(schema, bytes) };
    decoders.set(schema, decoder as BinaryDecoder<unknown>);
  }
  return decoder;
}

/** Reads the fields of one message type, between the reader's position and `end`. */
export interface MessageReader {
  /** Reads into `target` (merging, as a repeated occurrence of a message field does) or into a new message. */
  read(reader: BinaryReader, end: number, depth: number, target: unknown): unknown;
}

/** protobuf-es's default recursion limit (from-binary.js makeReadContext). */
const RECURSION_LIMIT = 100;

/**
 * Thrown where the compiled reader leaves a case to fromBinary: a singular field that protobuf-es
 * holds as a plain value (a wrapper, a Struct) arriving twice, which it would merge, and nesting
 * past the recursion limit, which fromBinary reports in its own words.
 */
const LEAVE_TO_FROM_BINARY = new Error("left to fromBinary");

function compiledDecoder<T>(schema: DescMessage): BinaryDecoder<T> {
  const reader = messageReader(schema);
  return {
    decode(bytes) {
      try {
        return reader.read(new BinaryReader(bytes), bytes.byteLength, 1, undefined) as T;
      } catch {
        // Malformed input and the rare cases above: fromBinary decodes or throws its own error.
        return fromBinary(schema, bytes) as T;
      }
    },
  };
}

function allProto3(desc: DescMessage, seen: Set<DescMessage>): boolean {
  if (seen.has(desc)) return true;
  seen.add(desc);
  if (desc.file.edition !== Edition.EDITION_PROTO3) return false;
  return desc.fields.every((field) => field.message === undefined || allProto3(field.message, seen));
}

const compiled = new WeakMap<DescMessage, MessageReader>();

/** A proto3 type's compiled reader; exported for tests, which check it without the fallback to fromBinary. */
export function messageReader(desc: DescMessage): MessageReader {
  let reader = compiled.get(desc);
  if (reader === undefined) {
    reader = new ReaderSource(desc).build();
    compiled.set(desc, reader);
  }
  return reader;
}

/**
 * Generates one type's reader, for the reason message-fields.ts generates its encoder: each
 * field's property write is a site of its own that sees one object shape. It mirrors
 * from-binary.js readMessage and readField for proto3 types: the same BinaryReader calls in the
 * same order, so the same fields, unknown fields and errors.
 */
class ReaderSource extends GeneratedCode {
  private readonly cases: string[] = [];

  constructor(private readonly desc: DescMessage) {
    super();
    for (const field of desc.fields) this.cases.push(`case ${field.number}: ${this.readField(field)} break;`);
  }

  build(): MessageReader {
    const body = `return {
  read(r, end, depth, m) {
    if (depth > ${RECURSION_LIMIT}) throw ${this.ref(LEAVE_TO_FROM_BINARY)};
    if (m === undefined) m = ${this.zeroMessage()};
    let u, t, v, len;
    while (r.pos < end) {
      t = r.tag();
      switch (t[0]) {
        ${this.cases.join("\n        ")}
        default:
          v = r.skip(t[1], t[0], ${RECURSION_LIMIT} - depth);
          (u ??= m.$unknown ?? []).push({ no: t[0], wireType: t[1], data: v });
      }
    }
    if (u !== undefined) m.$unknown = u;
    return m;
  },
};`;
    return this.compile<MessageReader>(body, "read", this.desc.typeName);
  }

  /** What protobuf-es's create() makes for the type in proto3: implicit fields at zero, oneofs unset. */
  private zeroMessage(): string {
    const members = [`$typeName: ${JSON.stringify(this.desc.typeName)}`];
    for (const member of this.desc.members) {
      const name = JSON.stringify(member.localName);
      if (member.kind === "oneof") {
        members.push(`${name}: { case: undefined }`);
      } else if (member.fieldKind === "list") {
        members.push(`${name}: []`);
      } else if (member.fieldKind === "map") {
        members.push(`${name}: {}`);
      } else if (member.fieldKind !== "message" && member.presence === FeatureSet_FieldPresence.IMPLICIT) {
        members.push(`${name}: ${this.zeroValue(member)}`);
      }
    }
    return `{ ${members.join(", ")} }`;
  }

  private zeroValue(field: DescField & { fieldKind: "scalar" | "enum" }): string {
    return field.fieldKind === "enum" ? String(firstEnumNumber(field)) : this.ref(scalarZeroValue(field.scalar, field.longAsString));
  }

  private readField(field: DescField): string {
    const name = JSON.stringify(field.localName);
    switch (field.fieldKind) {
      case "scalar":
      case "enum": {
        const value = field.fieldKind === "enum" ? "r.int32()" : this.scalar(field.scalar, field.longAsString, field.utf8Validation);
        return field.oneof === undefined ? `m[${name}] = ${value};` : `m[${JSON.stringify(field.oneof.localName)}] = { case: ${name}, value: ${value} };`;
      }
      case "message": {
        const view = this.view(field, field.message);
        if (field.oneof !== undefined) {
          const oneof = JSON.stringify(field.oneof.localName);
          // A oneof member merges into the message the oneof holds only when it holds this member.
          const target = view === undefined ? `v.case === ${name} ? v.value : undefined` : `undefined`;
          const repeated = view === undefined ? "" : `if (v.case === ${name}) throw ${this.ref(LEAVE_TO_FROM_BINARY)}; `;
          return `v = m[${oneof}]; ${repeated}len = r.uint32(); m[${oneof}] = { case: ${name}, value: ${this.nested(field.message, view, target)} };`;
        }
        if (view === undefined) return `len = r.uint32(); m[${name}] = ${this.nested(field.message, undefined, `m[${name}]`)};`;
        return `if (m[${name}] !== undefined) throw ${this.ref(LEAVE_TO_FROM_BINARY)}; len = r.uint32(); m[${name}] = ${this.nested(field.message, view, "undefined")};`;
      }
      case "list": {
        if (field.listKind === "message") {
          return `len = r.uint32(); m[${name}].push(${this.nested(field.message, this.view(field, field.message), "undefined")});`;
        }
        const scalar = field.scalar ?? ScalarType.INT32;
        const value = field.listKind === "enum" ? "r.int32()" : this.scalar(scalar, field.longAsString, field.utf8Validation);
        if (scalar === ScalarType.STRING || scalar === ScalarType.BYTES) return `m[${name}].push(${value});`;
        // Packed or not, whatever the field's declaration says (from-binary.js readListField).
        return `if (t[1] === 2) { len = r.uint32(); v = r.pos + len; while (r.pos < v) m[${name}].push(${value}); } else m[${name}].push(${value});`;
      }
      case "map":
        return this.readMapEntry(field);
    }
  }

  /**
   * from-binary.js readMapEntry: reads fields 1 and 2 until the entry's end, takes a missing key
   * or value as its zero, and sets the key as protobuf-es's map reflection turns it into a
   * property name (mapKeyToLocal).
   */
  private readMapEntry(field: DescField & { fieldKind: "map" }): string {
    const key = this.scalar(field.mapKey, false, field.utf8Validation);
    const keyZero = this.ref(scalarZeroValue(field.mapKey, false));
    let value: string;
    let valueZero: string;
    switch (field.mapKind) {
      case "scalar": {
        // Typed without it, but longToLocal reads it where present.
        const longAsString = (field as { longAsString?: boolean }).longAsString === true;
        value = this.scalar(field.scalar, longAsString, field.utf8Validation);
        valueZero = this.ref(scalarZeroValue(field.scalar, longAsString));
        break;
      }
      case "enum":
        value = "r.int32()";
        valueZero = String(firstEnumNumber(field));
        break;
      case "message": {
        const view = this.view(field, field.message);
        value = `(len = r.uint32(), ${this.nested(field.message, view, "undefined")})`;
        const zero = `${this.ref(create)}(${this.ref(field.message)})`;
        valueZero = view === undefined ? zero : `${this.ref(view)}(${zero})`;
        break;
      }
    }
    const keyName = field.mapKey === ScalarType.STRING ? "k" : `(typeof k === "number" ? k : String(k))`;
    return [
      `{ len = r.uint32(); const stop = r.pos + len; let k, x;`,
      `while (r.pos < stop) { switch (r.tag()[0]) { case 1: k = ${key}; break; case 2: x = ${value}; break; } }`,
      `if (k === undefined) k = ${keyZero}; if (x === undefined) x = ${valueZero};`,
      `m[${JSON.stringify(field.localName)}][${keyName}] = x; }`,
    ].join(" ");
  }

  /** A nested message of `len` bytes read into `target`, as the field holds it. */
  private nested(desc: DescMessage, view: ((message: unknown) => unknown) | undefined, target: string): string {
    const reader = `${this.ref(new LazyCompiled(() => messageReader(desc)))}.value`;
    const read = `${reader}.read(r, r.pos + len, depth + 1, ${target})`;
    return view === undefined ? read : `${this.ref(view)}(${read})`;
  }

  /**
   * How protobuf-es holds a message in this field when not as the message itself (reflect.js
   * messageToLocal): a wrapper in a singular non-oneof field as its value, a Struct outside
   * google.protobuf.Value as a JsonObject.
   */
  private view(field: DescField, desc: DescMessage): ((message: unknown) => unknown) | undefined {
    if (holdsWrapperValue(field, desc)) return (message) => (message as { value: unknown }).value;
    if (holdsStructAsJson(field, desc)) return (message) => structToJson(message as Struct);
    return undefined;
  }

  private scalar(type: ScalarType, longAsString: boolean, utf8Validation: boolean): string {
    const read = `r.${READ_METHODS[type]}(${type === ScalarType.STRING ? String(utf8Validation) : ""})`;
    const long = type === ScalarType.INT64 || type === ScalarType.UINT64 || type === ScalarType.SINT64 || type === ScalarType.FIXED64 || type === ScalarType.SFIXED64;
    return long && longAsString ? `String(${read})` : read;
  }
}

/** The BinaryReader method for each scalar type (from-binary.js readScalar). */
const READ_METHODS: Record<ScalarType, string> = {
  [ScalarType.DOUBLE]: "double",
  [ScalarType.FLOAT]: "float",
  [ScalarType.INT64]: "int64",
  [ScalarType.UINT64]: "uint64",
  [ScalarType.INT32]: "int32",
  [ScalarType.FIXED64]: "fixed64",
  [ScalarType.FIXED32]: "fixed32",
  [ScalarType.BOOL]: "bool",
  [ScalarType.STRING]: "string",
  [ScalarType.BYTES]: "bytes",
  [ScalarType.UINT32]: "uint32",
  [ScalarType.SFIXED32]: "sfixed32",
  [ScalarType.SFIXED64]: "sfixed64",
  [ScalarType.SINT32]: "sint32",
  [ScalarType.SINT64]: "sint64",
};
