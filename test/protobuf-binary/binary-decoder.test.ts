import { create, fromBinary, toBinary, type DescMessage } from "@bufbuild/protobuf";
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { BoolValueSchema, Edition, FileDescriptorProtoSchema, StructSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import {
  ChatMessageSchema,
  ContentPartSchema,
  CreateChatCompletionRequestSchema,
  TokenLogprobSchema,
} from "../../gen/tensorwall/v1/chat_pb.js";
import { messageReader } from "../../src/protobuf-binary/binary-decoder.js";
import { binaryDecoder } from "../../src/protobuf-binary/index.js";
import { Kinds2Schema, Kinds3Schema } from "./all-kinds-schema.js";
import { Random, randomMessage } from "./random-message.js";
import { messageTypes, PROJECT_FILES, WELL_KNOWN_FILES } from "./schema-files.js";

/** The compiled reader on its own: binaryDecoder would hide a reader that throws behind fromBinary. */
function readCompiled(schema: DescMessage, bytes: Uint8Array): unknown {
  return messageReader(schema).read(new BinaryReader(bytes), bytes.byteLength, 1, undefined);
}

function expectSameAsFromBinary(schema: DescMessage, bytes: Uint8Array, { mayLeaveToFromBinary = false } = {}): void {
  const reference = fromBinary(schema, bytes);
  expect(binaryDecoder(schema).decode(bytes)).toStrictEqual(reference);
  try {
    expect(readCompiled(schema, bytes)).toStrictEqual(reference);
  } catch (error) {
    // A singular wrapper or Struct field sent twice is merged by fromBinary, which the reader leaves to it.
    if (!(mayLeaveToFromBinary && error instanceof Error && error.message === "left to fromBinary")) throw error;
  }
}

/** protobuf-binary's decoder compiles proto3 types only. */
const PROTO3_TYPES = [...PROJECT_FILES, ...WELL_KNOWN_FILES].filter((file) => file.edition === Edition.EDITION_PROTO3).flatMap(messageTypes);

/**
 * Random messages, each alone and two of them back to back: a parser merges a second occurrence
 * of a field (the last scalar wins, lists append, messages merge), so the pair covers repeated
 * fields on the wire that no single encoding of a message holds.
 */
function checkRandomMessages(schema: DescMessage, count: number, seed: number): void {
  const random = new Random(seed);
  for (let i = 0; i < count; i++) {
    const first = toBinary(schema, randomMessage(schema, random, { maxDepth: 3, unknownFieldChance: 0.2 }));
    const second = toBinary(schema, randomMessage(schema, random, { maxDepth: 3, unknownFieldChance: 0.2 }));
    expectSameAsFromBinary(schema, first);
    expectSameAsFromBinary(schema, Buffer.concat([first, second]), { mayLeaveToFromBinary: true });
  }
}

describe("binaryDecoder reads what fromBinary reads", () => {
  it.each(PROTO3_TYPES.map((schema, index) => [schema.typeName, schema, index] as const))(
    "on random %s messages",
    (_, schema, index) => checkRandomMessages(schema, 15, 3000 + index),
  );

  it("on random messages with every proto3 field kind", () => checkRandomMessages(Kinds3Schema, 60, 5));

  it("leaves types outside proto3 to fromBinary", () => {
    const random = new Random(11);
    for (const schema of [Kinds2Schema, FileDescriptorProtoSchema]) {
      const bytes = toBinary(schema, randomMessage(schema, random, { maxDepth: 2, unknownFieldChance: 0 }));
      expect(binaryDecoder(schema).decode(bytes)).toStrictEqual(fromBinary(schema, bytes));
    }
    expect(Object.getPrototypeOf(binaryDecoder(Kinds2Schema).decode(new Uint8Array(0)))).not.toBe(Object.prototype);
  });
});

describe("wire forms no encoder of ours writes", () => {
  it("reads a repeated scalar field packed and unpacked", () => {
    // TokenLogprob.bytes is field 3, repeated int32: 1 and 300 packed, then 7 and 8 one by one.
    const bytes = Buffer.from("1a0301ac02" + "1807" + "1808", "hex");
    expectSameAsFromBinary(TokenLogprobSchema, bytes);
    expect(readCompiled(TokenLogprobSchema, bytes)).toMatchObject({ bytes: [1, 300, 7, 8] });
  });

  it("switches a oneof to the member that came last, and merges a message member into itself", () => {
    const text = toBinary(ContentPartSchema, create(ContentPartSchema, { part: { case: "text", value: "hi" } }));
    const image = toBinary(ContentPartSchema, create(ContentPartSchema, { part: { case: "imageUrl", value: { url: "https://a" } } }));
    const detail = toBinary(ContentPartSchema, create(ContentPartSchema, { part: { case: "imageUrl", value: { detail: "low" } } }));
    expectSameAsFromBinary(ContentPartSchema, Buffer.concat([image, text]));
    expectSameAsFromBinary(ContentPartSchema, Buffer.concat([text, image, detail]));
    expect(readCompiled(ContentPartSchema, Buffer.concat([text, image, detail]))).toMatchObject({
      part: { case: "imageUrl", value: { url: "https://a", detail: "low" } },
    });
  });

  it("fills a map entry's missing key or value with its zero", () => {
    const writer = new BinaryWriter();
    // logit_bias (field 11, map<string, double>): an entry with only a value, then one with only a key.
    writer.tag(11, WireType.LengthDelimited).fork().tag(2, WireType.Bit64).double(1.5).join();
    writer.tag(11, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string("50256").join();
    const bytes = writer.finish();
    expectSameAsFromBinary(CreateChatCompletionRequestSchema, bytes);
    expect(readCompiled(CreateChatCompletionRequestSchema, bytes)).toMatchObject({ logitBias: { "": 1.5, "50256": 0 } });
  });

  it("merges a Struct field sent twice, as fromBinary does", () => {
    const first = toBinary(CreateChatCompletionRequestSchema, create(CreateChatCompletionRequestSchema, { extra: { a: 1, b: { c: true } } }));
    const second = toBinary(CreateChatCompletionRequestSchema, create(CreateChatCompletionRequestSchema, { extra: { b: null, d: ["x"] } }));
    const bytes = Buffer.concat([first, second]);
    expect(binaryDecoder(CreateChatCompletionRequestSchema).decode(bytes)).toStrictEqual(fromBinary(CreateChatCompletionRequestSchema, bytes));
    expect(binaryDecoder(CreateChatCompletionRequestSchema).decode(bytes).extra).toStrictEqual({ a: 1, b: null, d: ["x"] });
  });

  it("merges a wrapper field sent twice, as fromBinary does", () => {
    // Kinds3's singular BoolValue field: true, then an empty BoolValue, which merges into it and keeps true.
    const field = Kinds3Schema.fields.find((f) => f.fieldKind === "message" && f.message.typeName === "google.protobuf.BoolValue" && f.oneof === undefined);
    if (field === undefined) throw new Error("Kinds3 has no singular BoolValue field");
    const writer = new BinaryWriter();
    writer.tag(field.number, WireType.LengthDelimited).bytes(toBinary(BoolValueSchema, create(BoolValueSchema, { value: true })));
    writer.tag(field.number, WireType.LengthDelimited).bytes(new Uint8Array(0));
    const bytes = writer.finish();
    const reference = fromBinary(Kinds3Schema, bytes);
    expect((reference as Record<string, unknown>)[field.localName]).toBe(true);
    expect(binaryDecoder(Kinds3Schema).decode(bytes)).toStrictEqual(reference);
  });
});

describe("bad input", () => {
  it("fails with fromBinary's error when the bytes end inside a field", () => {
    const bytes = toBinary(ChatMessageSchema, create(ChatMessageSchema, { content: "Hello there" }));
    const truncated = bytes.subarray(0, bytes.length - 3);
    expect(() => fromBinary(ChatMessageSchema, truncated)).toThrow();
    expect(() => binaryDecoder(ChatMessageSchema).decode(truncated)).toThrow(captureError(() => fromBinary(ChatMessageSchema, truncated)));
  });

  it("fails with fromBinary's error past its recursion limit", () => {
    // Values nested in lists 120 deep: google.protobuf.Value -> ListValue -> Value ...
    let bytes: Uint8Array = toBinary(ValueSchema, create(ValueSchema, { kind: { case: "stringValue", value: "deep" } }));
    for (let i = 0; i < 60; i++) {
      const list = new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(bytes).finish();
      bytes = new BinaryWriter().tag(6, WireType.LengthDelimited).bytes(list).finish();
    }
    const expected = captureError(() => fromBinary(ValueSchema, bytes));
    expect(expected).toMatch(/recursion/);
    expect(() => binaryDecoder(ValueSchema).decode(bytes)).toThrow(expected);
    expect(() => binaryDecoder(StructSchema).decode(new Uint8Array([0x0a, 0x05, 0x0a]))).toThrow();
  });
});

function captureError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected an error");
}
