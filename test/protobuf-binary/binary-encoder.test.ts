import { create, equals, fromBinary, toBinary, type DescMessage, type Message } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  ContentFilterSeverity,
  ContentFilterTextSpanSchema,
  CreateChatCompletionResponseSchema,
  DeltaSchema,
  FunctionCallSchema,
  StreamChatCompletionResponseSchema,
  TokenLogprobSchema,
} from "../../gen/tensorwall/v1/chat_pb.js";
import { binaryEncoder } from "../../src/protobuf-binary/index.js";
import { Kinds2Schema, Kinds3Schema } from "./all-kinds-schema.js";
import { Random, randomMessage, withUnknownFields } from "./random-message.js";
import { messageTypes, PROJECT_FILES, WELL_KNOWN_FILES } from "./schema-files.js";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");

/** The encoder's bytes and toBinary's, as hex so a mismatch shows where. */
function bothEncodings(schema: DescMessage, message: Message): { encoded: string; reference: string } {
  return { encoded: hex(binaryEncoder(schema).encode(message)), reference: hex(toBinary(schema, message)) };
}

function expectSameAsToBinary(schema: DescMessage, message: Message): void {
  const { encoded, reference } = bothEncodings(schema, message);
  expect(encoded).toBe(reference);
  expect(hex(binaryEncoder(schema).encode(message, 5))).toBe(`0000000000${reference}`);
}

function checkRandomMessages(schema: DescMessage, count: number, seed: number): void {
  const random = new Random(seed);
  for (let i = 0; i < count; i++) {
    const message = randomMessage(schema, random, { maxDepth: 3, unknownFieldChance: 0.2 });
    expectSameAsToBinary(schema, message);
    expectSameAsToBinary(schema, withUnknownFields(schema, message, random));
  }
}

describe("binaryEncoder matches toBinary byte for byte", () => {
  const projectTypes = PROJECT_FILES.flatMap(messageTypes);
  it.each(projectTypes.map((schema, index) => [schema.typeName, schema, index] as const))(
    "on random %s messages",
    (_, schema, index) => checkRandomMessages(schema, 40, 1000 + index),
  );

  it.each(WELL_KNOWN_FILES.map((file, index) => [file.name, file, index] as const))(
    "on random messages of every type in %s",
    (_, file, index) => {
      for (const schema of messageTypes(file)) checkRandomMessages(schema, 15, 2000 + index);
    },
  );

  // Counts chosen for a few seconds each on a 2-core machine, well inside the test timeout in a full
  // run: nested three deep, a proto3 message of every kind is large (a message field of each kind,
  // repeated and in maps, at every level); 400 of them took 13.6 s on one machine.
  it.each([
    ["every proto3 field kind", Kinds3Schema, 3, 100],
    ["proto2 defaults, required fields and groups", Kinds2Schema, 2, 400],
  ] as const)("on random messages with %s", (_, schema, seed, count) => checkRandomMessages(schema, count, seed));

  it("on proto2 messages read from the wire, whose defaults sit on the prototype", () => {
    const random = new Random(7);
    for (let i = 0; i < 100; i++) {
      const message = randomMessage(Kinds2Schema, random, { maxDepth: 2, unknownFieldChance: 0 });
      expectSameAsToBinary(Kinds2Schema, fromBinary(Kinds2Schema, toBinary(Kinds2Schema, message)));
    }
  });
});

describe("stream chunks and responses as the chat service sends them", () => {
  const base = { id: "chatcmpl-9xYzAbCdEfGhIjKlMnOpQrStUvW", created: 1718000000n, model: "gpt-4o-2024-08-06", systemFingerprint: "fp_abc123def4" };
  const filtered = { filtered: false, severity: ContentFilterSeverity.SAFE };
  const chunks = {
    "the role chunk": create(StreamChatCompletionResponseSchema, {
      ...base,
      choices: [{ index: 0, delta: { role: "assistant", content: "" } }],
      promptFilterResults: [{ promptIndex: 0, contentFilterResults: { hate: filtered, selfHarm: filtered, jailbreak: { filtered: false, detected: false } } }],
    }),
    "a content chunk": create(StreamChatCompletionResponseSchema, { ...base, choices: [{ index: 0, delta: { content: "Hello" } }] }),
    "a non-ASCII content chunk": create(StreamChatCompletionResponseSchema, { ...base, choices: [{ index: 0, delta: { content: " Grüße 👋" } }] }),
    "a tool call chunk": create(StreamChatCompletionResponseSchema, {
      ...base,
      choices: [{ index: 0, delta: { toolCalls: [{ index: 0, id: "call_abc", type: "function", function: { name: "get_weather", arguments: '{"city":' } }] } }],
    }),
    "the finish chunk": create(StreamChatCompletionResponseSchema, {
      ...base,
      choices: [{ index: 0, delta: {}, finishReason: "stop", contentFilterResults: { hate: filtered, violence: filtered }, contentFilterOffsets: { checkOffset: 0, startOffset: 0, endOffset: 412 } }],
    }),
    "the usage chunk": create(StreamChatCompletionResponseSchema, {
      ...base,
      usage: { promptTokens: 19, completionTokens: 120, totalTokens: 139, completionTokensDetails: { reasoningTokens: 64 } },
      servedBy: { route: "default", deployment: "gpt-4o", endpoint: "https://eastus.openai.azure.com", region: "eastus", attempts: 2, model: "gpt-4o" },
    }),
  };

  it.each(Object.entries(chunks))("encodes %s as toBinary does, and it reads back equal", (_, chunk) => {
    expectSameAsToBinary(StreamChatCompletionResponseSchema, chunk);
    const decoded = fromBinary(StreamChatCompletionResponseSchema, binaryEncoder(StreamChatCompletionResponseSchema).encode(chunk, 5).subarray(5));
    expect(equals(StreamChatCompletionResponseSchema, decoded, chunk)).toBe(true);
  });

  it("encodes a full non-streamed response as toBinary does", () => {
    const response = create(CreateChatCompletionResponseSchema, {
      ...base,
      choices: [
        {
          index: 0,
          finishReason: "tool_calls",
          message: { content: "Let me check. ".repeat(20), toolCalls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":"Zürich"}' } }] },
          logprobs: { content: [{ token: "Let", logprob: -0.0001, bytes: [76, 101, 116], topLogprobs: [{ token: "Let", logprob: -0.0001, bytes: [76, 101, 116] }, { token: "I", logprob: -9.5, bytes: [73] }] }] },
          contentFilterResults: {
            hate: filtered,
            protectedMaterialCode: { filtered: false, detected: true, citation: { url: "https://example.com/repo", license: "MIT" } },
            customBlocklists: { filtered: true, details: [{ filtered: true, id: "list-1" }] },
            ungroundedMaterial: { filtered: false, detected: true, details: [{ completionStartOffset: 3, completionEndOffset: 40 }] },
            otherJson: { future_filter: '{"filtered":false}', "ünïcode key": "" },
          },
        },
      ],
      usage: { promptTokens: 1200, completionTokens: 300, totalTokens: 1500, promptTokensDetails: { cachedTokens: 1024 } },
      promptFilterResults: [{ promptIndex: 0, contentFilterResults: { sexual: filtered } }],
      servedBy: { route: "default", deployment: "gpt-4o", endpoint: "https://eastus.openai.azure.com", region: "eastus", attempts: 1, model: "gpt-4o" },
    });
    expectSameAsToBinary(CreateChatCompletionResponseSchema, response);
  });
});

describe("bytes checked against the protobuf encoding spec, not against toBinary", () => {
  it("writes a string field as tag, length and UTF-8", () => {
    expect(hex(binaryEncoder(DeltaSchema).encode(create(DeltaSchema, { content: "Hi" })))).toBe("12024869");
  });

  it("writes a negative int32 as a ten-byte varint", () => {
    const span = create(ContentFilterTextSpanSchema, { completionStartOffset: -1 });
    expect(hex(binaryEncoder(ContentFilterTextSpanSchema).encode(span))).toBe("08ffffffffffffffffff01");
  });

  it("writes a lone surrogate as U+FFFD, short string or long", () => {
    const encoder = binaryEncoder(FunctionCallSchema);
    expect(hex(encoder.encode(create(FunctionCallSchema, { name: "a\ud800b" })))).toBe("0a0561efbfbd62");
    const long = `${"é".repeat(70)}\udc00`;
    const expected = Buffer.concat([Buffer.from([0x0a, 143, 1]), Buffer.from("é".repeat(70)), Buffer.from([0xef, 0xbf, 0xbd])]);
    expect(hex(encoder.encode(create(FunctionCallSchema, { name: long })))).toBe(expected.toString("hex"));
  });

  it("writes -0 in an implicit-presence double field and skips +0", () => {
    const encoder = binaryEncoder(TokenLogprobSchema);
    expect(hex(encoder.encode(create(TokenLogprobSchema, { logprob: -0 })))).toBe("110000000000000080");
    expect(hex(encoder.encode(create(TokenLogprobSchema, { logprob: 0 })))).toBe("");
  });

  it("packs a repeated int32 field", () => {
    const encoder = binaryEncoder(TokenLogprobSchema);
    expect(hex(encoder.encode(create(TokenLogprobSchema, { bytes: [1, 300] })))).toBe("1a0301ac02");
  });
});

describe("binaryEncoder", () => {
  it("reads the message when called, so a changed field changes the bytes", () => {
    const encoder = binaryEncoder(StreamChatCompletionResponseSchema);
    const chunk = create(StreamChatCompletionResponseSchema, { id: "a", choices: [{ index: 0, delta: { content: "Hello" } }] });
    const before = hex(encoder.encode(chunk));
    const delta = chunk.choices[0]?.delta;
    if (delta === undefined) throw new Error("chunk has no delta");
    delta.content = "Hellp";
    const after = bothEncodings(StreamChatCompletionResponseSchema, chunk);
    expect(after.encoded).not.toBe(before);
    expect(after.encoded).toBe(after.reference);
  });

  it("zeroes the headroom it leaves", () => {
    for (let i = 0; i < 50; i++) {
      // Pooled allocations reuse memory, so earlier encodings would show through unzeroed headroom.
      const bytes = binaryEncoder(DeltaSchema).encode(create(DeltaSchema, { content: "x".repeat(i) }), 5);
      expect([...bytes.subarray(0, 5)]).toEqual([0, 0, 0, 0, 0]);
    }
  });

  it("is built once per schema", () => {
    expect(binaryEncoder(DeltaSchema)).toBe(binaryEncoder(DeltaSchema));
  });

  it("refuses an out-of-range value as toBinary does, naming the field", () => {
    const span = create(ContentFilterTextSpanSchema, { completionStartOffset: 1.5 });
    expect(() => toBinary(ContentFilterTextSpanSchema, span)).toThrow(/ContentFilterTextSpan\.completion_start_offset/);
    expect(() => binaryEncoder(ContentFilterTextSpanSchema).encode(span)).toThrow(
      "cannot encode field tensorwall.v1.ContentFilterTextSpan.completion_start_offset to binary: invalid int32: 1.5",
    );
  });

  it("refuses a proto2 message missing a required field as toBinary does", () => {
    const message = create(Kinds2Schema);
    expect(() => toBinary(Kinds2Schema, message)).toThrow(/required field not set/);
    expect(() => binaryEncoder(Kinds2Schema).encode(message)).toThrow(/required field not set/);
  });
});
