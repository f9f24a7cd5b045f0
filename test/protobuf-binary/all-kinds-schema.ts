import { create, createFileRegistry, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import {
  DescriptorProtoSchema,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FieldDescriptorProtoSchema,
  FieldOptions_JSType,
  file_google_protobuf_any,
  file_google_protobuf_struct,
  file_google_protobuf_timestamp,
  file_google_protobuf_wrappers,
  FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";

/**
 * Test-only message types with the field kinds the project's own protos lack: every scalar type,
 * proto2 defaults, required fields and groups, packed and unpacked lists, every map key type,
 * int64 as JS strings, wrappers and Struct in every position, recursion. Fields are declared in
 * reverse field-number order, so a writer that follows declaration order fails.
 */

type MessageInit = MessageInitShape<typeof DescriptorProtoSchema>;
type FieldInit = MessageInitShape<typeof FieldDescriptorProtoSchema> & { name: string };

const SCALARS: readonly (readonly [string, Type])[] = [
  ["double", Type.DOUBLE],
  ["float", Type.FLOAT],
  ["int32", Type.INT32],
  ["int64", Type.INT64],
  ["uint32", Type.UINT32],
  ["uint64", Type.UINT64],
  ["sint32", Type.SINT32],
  ["sint64", Type.SINT64],
  ["fixed32", Type.FIXED32],
  ["fixed64", Type.FIXED64],
  ["sfixed32", Type.SFIXED32],
  ["sfixed64", Type.SFIXED64],
  ["bool", Type.BOOL],
  ["string", Type.STRING],
  ["bytes", Type.BYTES],
];
const MAP_KEYS = SCALARS.filter(([, type]) => type !== Type.DOUBLE && type !== Type.FLOAT && type !== Type.BYTES);
const PACKABLE = SCALARS.filter(([, type]) => type !== Type.STRING && type !== Type.BYTES);
const PROTO2_DEFAULTS: Record<string, string> = {
  double: "1.5",
  float: "-2.5",
  int32: "-7",
  int64: "-9000000000",
  uint32: "7",
  uint64: "18000000000000000000",
  sint32: "-3",
  sint64: "-5",
  fixed32: "9",
  fixed64: "10",
  sfixed32: "-11",
  sfixed64: "-12",
  bool: "true",
  string: "hé",
  bytes: "ab",
};
const WRAPPERS = ["Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes"];

class MessageBuilder {
  private readonly fields: FieldInit[] = [];
  private readonly nested: MessageInit[] = [];
  private readonly oneofs: string[] = [];

  constructor(private readonly typeName: string) {}

  field(init: FieldInit): void {
    this.fields.push({ label: Label.OPTIONAL, ...init, number: this.fields.length + 1 });
  }

  oneof(name: string): number {
    return this.oneofs.push(name) - 1;
  }

  nestedMessage(init: MessageInit): void {
    this.nested.push(init);
  }

  map(name: string, key: Type, value: Type, valueTypeName?: string): void {
    const entry = `${name.replace(/(?:^|_)(\w)/g, (_, c: string) => c.toUpperCase())}Entry`;
    this.nested.push({
      name: entry,
      field: [
        { name: "key", number: 1, label: Label.OPTIONAL, type: key },
        { name: "value", number: 2, label: Label.OPTIONAL, type: value, ...(valueTypeName ? { typeName: valueTypeName } : {}) },
      ],
      options: { mapEntry: true },
    });
    this.field({ name, label: Label.REPEATED, type: Type.MESSAGE, typeName: `${this.typeName}.${entry}` });
  }

  build(): MessageInit {
    return {
      name: this.typeName.slice(this.typeName.lastIndexOf(".") + 1),
      field: this.fields.concat().reverse(),
      nestedType: this.nested,
      oneofDecl: this.oneofs.map((name) => ({ name })),
    };
  }
}

function proto3Kinds(): MessageInit {
  const self = ".kinds.Kinds3";
  const m = new MessageBuilder(self);
  const choice = m.oneof("choice");
  for (const [name, type] of SCALARS) {
    m.field({ name: `s_${name}`, type });
    m.field({ name: `r_${name}`, type, label: Label.REPEATED });
  }
  for (const [name, type] of PACKABLE) {
    m.field({ name: `u_${name}`, type, label: Label.REPEATED, options: { packed: false } });
  }
  m.field({ name: "s_int64_string", type: Type.INT64, options: { jstype: FieldOptions_JSType.JS_STRING } });
  m.field({ name: "r_uint64_string", type: Type.UINT64, label: Label.REPEATED, options: { jstype: FieldOptions_JSType.JS_STRING } });
  m.field({ name: "s_enum", type: Type.ENUM, typeName: ".kinds.Color" });
  m.field({ name: "r_enum", type: Type.ENUM, typeName: ".kinds.Color", label: Label.REPEATED });
  m.field({ name: "child", type: Type.MESSAGE, typeName: self });
  m.field({ name: "children", type: Type.MESSAGE, typeName: self, label: Label.REPEATED });
  for (const [name, type] of MAP_KEYS) m.map(`m_${name}_key`, type, Type.STRING);
  m.map("m_double", Type.STRING, Type.DOUBLE);
  m.map("m_bytes", Type.STRING, Type.BYTES);
  m.map("m_sint64", Type.STRING, Type.SINT64);
  m.map("m_enum", Type.STRING, Type.ENUM, ".kinds.Color");
  m.map("m_message", Type.STRING, Type.MESSAGE, self);
  m.map("m_struct", Type.STRING, Type.MESSAGE, ".google.protobuf.Struct");
  m.map("m_wrapper", Type.STRING, Type.MESSAGE, ".google.protobuf.Int32Value");
  m.field({ name: "c_string", type: Type.STRING, oneofIndex: choice });
  m.field({ name: "c_int64", type: Type.INT64, oneofIndex: choice });
  m.field({ name: "c_double", type: Type.DOUBLE, oneofIndex: choice });
  m.field({ name: "c_message", type: Type.MESSAGE, typeName: self, oneofIndex: choice });
  m.field({ name: "c_wrapper", type: Type.MESSAGE, typeName: ".google.protobuf.StringValue", oneofIndex: choice });
  m.field({ name: "c_struct", type: Type.MESSAGE, typeName: ".google.protobuf.Struct", oneofIndex: choice });
  for (const wrapper of WRAPPERS) {
    m.field({ name: `w_${wrapper.toLowerCase()}`, type: Type.MESSAGE, typeName: `.google.protobuf.${wrapper}Value` });
  }
  m.field({ name: "r_wrapper", type: Type.MESSAGE, typeName: ".google.protobuf.UInt64Value", label: Label.REPEATED });
  m.field({ name: "struct", type: Type.MESSAGE, typeName: ".google.protobuf.Struct" });
  m.field({ name: "r_struct", type: Type.MESSAGE, typeName: ".google.protobuf.Struct", label: Label.REPEATED });
  m.field({ name: "value", type: Type.MESSAGE, typeName: ".google.protobuf.Value" });
  m.field({ name: "list_value", type: Type.MESSAGE, typeName: ".google.protobuf.ListValue" });
  m.field({ name: "timestamp", type: Type.MESSAGE, typeName: ".google.protobuf.Timestamp" });
  m.field({ name: "any", type: Type.MESSAGE, typeName: ".google.protobuf.Any" });
  // proto3 `optional`: each field in a synthetic oneof, declared after the real ones.
  for (const [name, type] of SCALARS) {
    m.field({ name: `o_${name}`, type, proto3Optional: true, oneofIndex: m.oneof(`_o_${name}`) });
  }
  m.field({ name: "o_enum", type: Type.ENUM, typeName: ".kinds.Color", proto3Optional: true, oneofIndex: m.oneof("_o_enum") });
  return m.build();
}

function proto2Kinds(): MessageInit {
  const self = ".kinds2.Kinds2";
  const m = new MessageBuilder(self);
  const choice = m.oneof("choice");
  m.field({ name: "required_int32", type: Type.INT32, label: Label.REQUIRED });
  for (const [name, type] of SCALARS) {
    m.field({ name: `d_${name}`, type, defaultValue: PROTO2_DEFAULTS[name] as string });
    m.field({ name: `r_${name}`, type, label: Label.REPEATED });
  }
  for (const [name, type] of PACKABLE) {
    m.field({ name: `p_${name}`, type, label: Label.REPEATED, options: { packed: true } });
  }
  m.field({ name: "d_enum", type: Type.ENUM, typeName: ".kinds2.Closed", defaultValue: "CLOSED_SEVEN" });
  m.field({ name: "r_enum", type: Type.ENUM, typeName: ".kinds2.Closed", label: Label.REPEATED });
  m.nestedMessage({ name: "Group", field: [{ name: "a", number: 1, label: Label.OPTIONAL, type: Type.INT32 }, { name: "b", number: 2, label: Label.OPTIONAL, type: Type.STRING }] });
  m.field({ name: "group", type: Type.GROUP, typeName: `${self}.Group` });
  m.nestedMessage({ name: "Rgroup", field: [{ name: "c", number: 1, label: Label.OPTIONAL, type: Type.SINT32 }] });
  m.field({ name: "rgroup", type: Type.GROUP, typeName: `${self}.Rgroup`, label: Label.REPEATED });
  m.field({ name: "child", type: Type.MESSAGE, typeName: self });
  m.map("m_uint32_key", Type.UINT32, Type.MESSAGE, self);
  m.field({ name: "c_string", type: Type.STRING, oneofIndex: choice });
  m.field({ name: "c_bytes", type: Type.BYTES, oneofIndex: choice });
  m.field({ name: "c_wrapper", type: Type.MESSAGE, typeName: ".google.protobuf.BoolValue", oneofIndex: choice });
  m.field({ name: "w_int64", type: Type.MESSAGE, typeName: ".google.protobuf.Int64Value" });
  return m.build();
}

const DEPENDENCIES = [
  file_google_protobuf_any,
  file_google_protobuf_struct,
  file_google_protobuf_timestamp,
  file_google_protobuf_wrappers,
];

function registry() {
  const dependency = DEPENDENCIES.map((file) => file.proto.name);
  const proto3 = create(FileDescriptorProtoSchema, {
    name: "kinds/kinds3.proto",
    package: "kinds",
    syntax: "proto3",
    dependency,
    messageType: [proto3Kinds()],
    enumType: [{ name: "Color", value: [{ name: "COLOR_UNSPECIFIED", number: 0 }, { name: "COLOR_RED", number: 1 }, { name: "COLOR_BLUE", number: -2 }] }],
  });
  const proto2 = create(FileDescriptorProtoSchema, {
    name: "kinds/kinds2.proto",
    package: "kinds2",
    syntax: "proto2",
    dependency,
    messageType: [proto2Kinds()],
    enumType: [{ name: "Closed", value: [{ name: "CLOSED_FIVE", number: 5 }, { name: "CLOSED_SEVEN", number: 7 }] }],
  });
  const resolve = (name: string) => DEPENDENCIES.find((file) => file.proto.name === name);
  return createFileRegistry(createFileRegistry(proto3, resolve), createFileRegistry(proto2, resolve));
}

function messageType(registry: ReturnType<typeof createFileRegistry>, typeName: string): DescMessage {
  const desc = registry.getMessage(typeName);
  if (desc === undefined) throw new Error(`test schema lacks ${typeName}`);
  return desc;
}

const kinds = registry();

/** A proto3 message with every field kind; declared in reverse field-number order. */
export const Kinds3Schema = messageType(kinds, "kinds.Kinds3");
/** A proto2 message with defaults, a required field, groups and a closed enum. */
export const Kinds2Schema = messageType(kinds, "kinds2.Kinds2");
