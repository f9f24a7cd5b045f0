import { create, equals, fromBinary, toBinary, type JsonObject } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  ContentFilterSeverity,
  ServedBySchema,
  StreamChatCompletionResponseSchema,
} from "../../gen/tensorwall/v1/chat_pb.js";
import { chatChunkFromJson, chatChunkToJson } from "../../src/openai-json/index.js";
import {
  asyncFilterAnnotation,
  logprobsChunk,
  promptFilterChunk,
  textStream,
  toolCallStream,
} from "./azure-fixtures.js";

const roundTrip = (json: JsonObject) => chatChunkToJson(chatChunkFromJson(json));

describe("chat chunk JSON round trip", () => {
  it.each(textStream.map((chunk, i) => [i, chunk] as const))(
    "gives back chunk %i of Azure's text stream",
    (_, chunk) => {
      expect(roundTrip(chunk)).toEqual(chunk);
    },
  );

  it.each(toolCallStream.map((chunk, i) => [i, chunk] as const))(
    "gives back chunk %i of Azure's tool-call stream",
    (_, chunk) => {
      expect(roundTrip(chunk)).toEqual(chunk);
    },
  );

  it("gives back a chunk with token logprobs", () => {
    expect(roundTrip(logprobsChunk)).toEqual(logprobsChunk);
  });

  it("builds chunks that survive the binary wire", () => {
    for (const json of [...textStream, ...toolCallStream]) {
      const chunk = chatChunkFromJson(json);
      const schema = StreamChatCompletionResponseSchema;
      const wire = fromBinary(schema, toBinary(schema, chunk));
      expect(equals(schema, wire, chunk)).toBe(true);
      expect(chatChunkToJson(wire)).toEqual(json);
    }
  });
});

describe("Azure's empty first chunk", () => {
  it("keeps its empty choices, id, model and object, and its prompt filter results", () => {
    const chunk = chatChunkFromJson(promptFilterChunk);
    expect(chunk.choices).toEqual([]);
    expect(chunk.promptFilterResults).toHaveLength(1);
    const json = chatChunkToJson(chunk);
    expect(json).toEqual(promptFilterChunk);
    expect(json["object"]).toBe("");
    expect(json["prompt_filter_results"]).toEqual(promptFilterChunk["prompt_filter_results"]);
  });

  it("reads the older prompt_annotations name the same way", () => {
    const { prompt_filter_results: results, ...rest } = promptFilterChunk;
    expect(roundTrip({ ...rest, prompt_annotations: results! })).toEqual(promptFilterChunk);
  });
});

describe("chat chunk JSON for OpenAI clients", () => {
  it("names an ordinary chunk chat.completion.chunk even when Azure left the object out", () => {
    const json = roundTrip({ id: "c", created: 5, model: "m", choices: [{ index: 0, delta: { content: "x" } }] });
    expect(json["object"]).toBe("chat.completion.chunk");
    expect(json["created"]).toBe(5);
  });

  it("writes an absent finish_reason and logprobs as null", () => {
    const json = roundTrip({ id: "c", created: 5, model: "m", choices: [{ index: 0, delta: { content: "x" } }] });
    expect(json["choices"]).toEqual([{ index: 0, delta: { content: "x" }, logprobs: null, finish_reason: null }]);
  });

  it("writes only the delta fields that are present, dropping nulls", () => {
    const json = roundTrip({
      id: "c",
      created: 5,
      model: "m",
      choices: [
        {
          index: 0,
          delta: { role: "assistant", content: null, refusal: null, tool_calls: null },
          finish_reason: null,
          logprobs: null,
        },
      ],
    });
    expect((json["choices"] as { delta: unknown }[])[0]?.delta).toEqual({ role: "assistant" });
  });

  it("keeps each tool call delta's index, and only the function fields present", () => {
    const json = roundTrip({
      id: "c",
      created: 5,
      model: "m",
      choices: [
        {
          index: 0,
          delta: {
            tool_calls: [
              { index: 1, function: { arguments: "{}" } },
              { index: 2, id: "call_2", type: "function", function: { name: "g" } },
            ],
          },
        },
      ],
    });
    expect((json["choices"] as { delta: unknown }[])[0]?.delta).toEqual({
      tool_calls: [
        { index: 1, function: { arguments: "{}" } },
        { index: 2, id: "call_2", type: "function", function: { name: "g" } },
      ],
    });
  });

  it("writes usage only on the chunk that carries it", () => {
    const ordinary = roundTrip({ id: "c", created: 5, model: "m", choices: [], usage: null });
    expect(ordinary).not.toHaveProperty("usage");
    const last = textStream[textStream.length - 1]!;
    expect(roundTrip(last)["usage"]).toEqual(last["usage"]);
  });

  it("leaves served_by out even when the chunk carries it", () => {
    const chunk = chatChunkFromJson(textStream[1]!);
    chunk.servedBy = create(ServedBySchema, { route: "gpt-4o", deployment: "gpt4o-eu", attempts: 1 });
    expect(chatChunkToJson(chunk)).toEqual(textStream[1]);
  });

  it("keeps a choice without a delta without inventing one", () => {
    const json = roundTrip({ id: "c", created: 5, model: "m", choices: [{ index: 0, finish_reason: "stop" }] });
    expect(json["choices"]).toEqual([{ index: 0, logprobs: null, finish_reason: "stop" }]);
  });
});

describe("Azure's asynchronous-filter annotations", () => {
  it("round-trip with their filter results, offsets and empty identity", () => {
    const choice = (asyncFilterAnnotation["choices"] as JsonObject[])[0]!;
    // logprobs: null is what OpenAI sends on every chunk choice; Azure leaves it out here.
    const expected = { ...asyncFilterAnnotation, choices: [{ ...choice, logprobs: null }] };
    expect(roundTrip(asyncFilterAnnotation)).toEqual(expected);
    const schema = StreamChatCompletionResponseSchema;
    expect(chatChunkToJson(fromBinary(schema, toBinary(schema, chatChunkFromJson(asyncFilterAnnotation))))).toEqual(expected);
  });

  it("reads the offsets and the verdicts into typed fields", () => {
    const choice = chatChunkFromJson(asyncFilterAnnotation).choices[0];
    expect(choice?.contentFilterOffsets).toMatchObject({ checkOffset: 44, startOffset: 44, endOffset: 198 });
    expect(choice?.contentFilterResults?.selfHarm?.severity).toBe(ContentFilterSeverity.SAFE);
  });
});
