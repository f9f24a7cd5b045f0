import { equals, fromBinary, toBinary, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  ContentFilterResultsSchema,
  ContentFilterSeverity,
  CreateChatCompletionResponseSchema,
} from "../../gen/tensorwall/v1/chat_pb.js";
import { contentFilterJson } from "../../src/openai-json/content-filter-json.js";
import { chatResponseFromJson, chatResponseToJson } from "../../src/openai-json/index.js";
import { annotatedReply, filterErrorResults } from "./azure-fixtures.js";

const roundTrip = (json: JsonValue) => contentFilterJson.resultsToJson(contentFilterJson.resultsFromJson(json)!);

const choiceResults = (annotatedReply["choices"] as JsonObject[])[0]!["content_filter_results"] as JsonObject;
const promptResults = (annotatedReply["prompt_filter_results"] as JsonObject[])[0]!["content_filter_results"] as JsonObject;

describe("content-filter results from Azure", () => {
  it("gives back a reply with every annotation Azure documents", () => {
    expect(chatResponseToJson(chatResponseFromJson(annotatedReply))).toEqual(annotatedReply);
  });

  it("reads each category into its typed field", () => {
    const response = chatResponseFromJson(annotatedReply);
    const completion = response.choices[0]?.contentFilterResults;
    expect(completion?.violence).toMatchObject({ filtered: true, severity: ContentFilterSeverity.MEDIUM });
    expect(completion?.sexual?.severity).toBe(ContentFilterSeverity.LOW);
    expect(completion?.protectedMaterialCode).toMatchObject({
      detected: true,
      citation: { url: "https://github.com/octo-org/octo-repo/blob/main/src/sort.py", license: "MIT" },
    });
    expect(completion?.ungroundedMaterial?.details).toMatchObject([{ completionStartOffset: 12, completionEndOffset: 57 }]);
    expect(completion?.customBlocklists).toMatchObject({ filtered: false, details: [] });
    expect(completion?.otherJson).toEqual({});
    const prompt = response.promptFilterResults[0]?.contentFilterResults;
    expect(prompt?.hate?.severity).toBe(ContentFilterSeverity.HIGH);
    expect(prompt?.indirectAttack).toMatchObject({ filtered: false, detected: true });
    expect(prompt?.profanity?.detected).toBe(true);
    expect(prompt?.customBlocklists?.details.map((d) => [d.id, d.filtered])).toEqual([
      ["competitor-names", true],
      ["internal-projects", false],
    ]);
  });

  it("keeps the filter's own error and writes it back", () => {
    const results = contentFilterJson.resultsFromJson(filterErrorResults);
    expect(results?.error).toMatchObject({ code: "content_filter_error", message: "The contents are not filtered" });
    expect(roundTrip(filterErrorResults)).toEqual(filterErrorResults);
  });

  it("keeps an empty result object empty and an absent one absent", () => {
    expect(roundTrip({})).toEqual({});
    expect(contentFilterJson.resultsFromJson(undefined)).toBeUndefined();
    expect(contentFilterJson.resultsFromJson(null)).toBeUndefined();
  });

  it("survives the binary wire with every category", () => {
    const response = chatResponseFromJson(annotatedReply);
    const schema = CreateChatCompletionResponseSchema;
    const wire = fromBinary(schema, toBinary(schema, response));
    expect(equals(schema, wire, response)).toBe(true);
    expect(chatResponseToJson(wire)).toEqual(annotatedReply);
  });
});

describe("content-filter results this API does not model", () => {
  it("carries a category Azure adds later as JSON text and writes it back unchanged", () => {
    const pii = { filtered: false, detected: true, redacted: true };
    const json = { ...choiceResults, personally_identifiable_information: pii };
    const results = contentFilterJson.resultsFromJson(json)!;
    expect(JSON.parse(results.otherJson["personally_identifiable_information"]!)).toEqual(pii);
    expect(results.hate?.severity).toBe(ContentFilterSeverity.SAFE);
    expect(contentFilterJson.resultsToJson(results)).toEqual(json);
  });

  it.each<[string, JsonObject]>([
    ["a severity level it does not name", { hate: { filtered: false, severity: "very_low" } }],
    ["a key more", { hate: { filtered: false, severity: "safe", score: 0.01 } }],
    ["a key less", { jailbreak: { detected: false } }],
    ["a value of another type", { profanity: { filtered: "no", detected: false } }],
    ["the older list form of custom_blocklists", { custom_blocklists: [{ filtered: false, id: "names" }] }],
    ["a null citation", { protected_material_code: { filtered: false, detected: true, citation: null } }],
    ["a citation with a key more", { protected_material_code: { filtered: false, detected: true, citation: { URL: "u", stars: 3 } } }],
    ["a span offset past int32", { ungrounded_material: { filtered: false, detected: true, details: [{ completion_start_offset: 0, completion_end_offset: 2 ** 40 }] } }],
    ["an error with more detail", { error: { code: "content_filter_error", message: "m", inner_error: { code: "x" } } }],
  ])("carries a known category with %s as JSON text, losing nothing", (_, json) => {
    const results = contentFilterJson.resultsFromJson(json)!;
    const [key] = Object.keys(json);
    expect(Object.keys(results.otherJson)).toEqual([key]);
    expect(roundTrip(json)).toEqual(json);
  });

  it("types a citation with only a license, and one with neither key", () => {
    const licenseOnly = { protected_material_code: { filtered: false, detected: true, citation: { license: "MIT" } } };
    expect(contentFilterJson.resultsFromJson(licenseOnly)?.protectedMaterialCode?.citation).toMatchObject({
      url: undefined,
      license: "MIT",
    });
    expect(roundTrip(licenseOnly)).toEqual(licenseOnly);
    const empty = { protected_material_code: { filtered: false, detected: true, citation: {} } };
    expect(contentFilterJson.resultsFromJson(empty)?.otherJson).toEqual({});
    expect(roundTrip(empty)).toEqual(empty);
  });

  it("keeps a __proto__ category as an ordinary key", () => {
    const json = JSON.parse('{"__proto__":{"filtered":false},"hate":{"filtered":false,"severity":"safe"}}') as JsonObject;
    const out = roundTrip(json);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out).sort()).toEqual(["__proto__", "hate"]);
    expect(Object.getOwnPropertyDescriptor(out, "__proto__")?.value).toEqual({ filtered: false });
  });

  it("carries unmodeled results across the binary wire", () => {
    const json = { ...promptResults, custom_topics: { filtered: false, details: [{ filtered: false, id: "legal" }] } };
    const results = contentFilterJson.resultsFromJson(json)!;
    const wire = fromBinary(ContentFilterResultsSchema, toBinary(ContentFilterResultsSchema, results));
    expect(contentFilterJson.resultsToJson(wire)).toEqual(json);
  });
});

describe("content_filter_offsets", () => {
  it("reads Azure's three offsets and writes them back", () => {
    const json = { check_offset: 44, start_offset: 44, end_offset: 198 };
    const offsets = contentFilterJson.offsetsFromJson(json);
    expect(offsets).toMatchObject({ checkOffset: 44, startOffset: 44, endOffset: 198 });
    expect(contentFilterJson.offsetsToJson(offsets!)).toEqual(json);
  });

  it("reads an offset Azure left out as 0 and a non-object as absent", () => {
    expect(contentFilterJson.offsetsFromJson({ start_offset: 3 })).toMatchObject({ checkOffset: 0, startOffset: 3, endOffset: 0 });
    expect(contentFilterJson.offsetsFromJson(null)).toBeUndefined();
  });
});
