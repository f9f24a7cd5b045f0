import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import {
  ContentFilterSeverity,
  type ContentFilterBlocklistResult,
  type ContentFilterBlocklistResults,
  type ContentFilterCitation,
  type ContentFilterCitedDetectionResult,
  type ContentFilterDetectionResult,
  type ContentFilterError,
  type ContentFilterOffsets,
  type ContentFilterResults,
  type ContentFilterSeverityResult,
  type ContentFilterSpanDetectionResult,
  type ContentFilterTextSpan,
} from "../../gen/tensorwall/v1/chat_pb.js";
import { lenient } from "./lenient-json.js";
import { setOwn } from "./set-own.js";

/**
 * Azure's content-filter annotations between its JSON and the typed proto messages. These ride on
 * every response and on most stream chunks, so they are typed rather than a `google.protobuf.Struct`:
 * protobuf-es converts a Struct field by reflection on every encode and decode, which cost about
 * 300 µs per unary response and 60 µs per chunk (issue 5).
 *
 * A category is typed only when its JSON has exactly the modeled shape (no key more or less, every
 * value of the modeled type), so writing it back gives exactly what Azure sent. Anything else, a
 * category Azure adds later or a known one in a shape this API does not know, goes to `otherJson`
 * as JSON text.
 */
export const contentFilterJson = {
  resultsFromJson(value: JsonValue | undefined): ContentFilterResults | undefined {
    const json = lenient.object(value);
    if (json === undefined) return undefined;
    const results: ContentFilterResults = {
      $typeName: "tensorwall.v1.ContentFilterResults",
      hate: undefined,
      sexual: undefined,
      violence: undefined,
      selfHarm: undefined,
      profanity: undefined,
      jailbreak: undefined,
      indirectAttack: undefined,
      protectedMaterialText: undefined,
      protectedMaterialCode: undefined,
      customBlocklists: undefined,
      ungroundedMaterial: undefined,
      error: undefined,
      otherJson: {},
    };
    for (const key of Object.keys(json)) {
      const category = json[key]!;
      if (!readCategory(results, key, category)) setOwn(results.otherJson, key, JSON.stringify(category));
    }
    return results;
  },

  /** Categories in the order Azure writes them (alphabetical), then the ones this API does not model. */
  resultsToJson(results: ContentFilterResults): JsonObject {
    const out: JsonObject = {};
    if (results.customBlocklists !== undefined) out["custom_blocklists"] = blocklistsToJson(results.customBlocklists);
    if (results.error !== undefined) out["error"] = { code: results.error.code, message: results.error.message };
    if (results.hate !== undefined) out["hate"] = severityToJson(results.hate);
    if (results.indirectAttack !== undefined) out["indirect_attack"] = detectionToJson(results.indirectAttack);
    if (results.jailbreak !== undefined) out["jailbreak"] = detectionToJson(results.jailbreak);
    if (results.profanity !== undefined) out["profanity"] = detectionToJson(results.profanity);
    if (results.protectedMaterialCode !== undefined) out["protected_material_code"] = citedToJson(results.protectedMaterialCode);
    if (results.protectedMaterialText !== undefined) out["protected_material_text"] = detectionToJson(results.protectedMaterialText);
    if (results.selfHarm !== undefined) out["self_harm"] = severityToJson(results.selfHarm);
    if (results.sexual !== undefined) out["sexual"] = severityToJson(results.sexual);
    if (results.ungroundedMaterial !== undefined) out["ungrounded_material"] = spansToJson(results.ungroundedMaterial);
    if (results.violence !== undefined) out["violence"] = severityToJson(results.violence);
    for (const key of Object.keys(results.otherJson)) setOwn(out, key, JSON.parse(results.otherJson[key]!) as JsonValue);
    return out;
  },

  /** Azure always sends all three offsets; one it left out reads as 0. */
  offsetsFromJson(value: JsonValue | undefined): ContentFilterOffsets | undefined {
    const json = lenient.object(value);
    if (json === undefined) return undefined;
    return {
      $typeName: "tensorwall.v1.ContentFilterOffsets",
      checkOffset: lenient.integer(json["check_offset"]),
      startOffset: lenient.integer(json["start_offset"]),
      endOffset: lenient.integer(json["end_offset"]),
    };
  },

  offsetsToJson(offsets: ContentFilterOffsets): JsonObject {
    return { check_offset: offsets.checkOffset, start_offset: offsets.startOffset, end_offset: offsets.endOffset };
  },
};

/** Sets the typed field for a modeled category in its modeled shape; false when it is neither. */
function readCategory(results: ContentFilterResults, key: string, json: JsonValue): boolean {
  switch (key) {
    case "hate":
      return (results.hate = severityFromJson(json)) !== undefined;
    case "sexual":
      return (results.sexual = severityFromJson(json)) !== undefined;
    case "violence":
      return (results.violence = severityFromJson(json)) !== undefined;
    case "self_harm":
      return (results.selfHarm = severityFromJson(json)) !== undefined;
    case "profanity":
      return (results.profanity = detectionFromJson(json)) !== undefined;
    case "jailbreak":
      return (results.jailbreak = detectionFromJson(json)) !== undefined;
    case "indirect_attack":
      return (results.indirectAttack = detectionFromJson(json)) !== undefined;
    case "protected_material_text":
      return (results.protectedMaterialText = detectionFromJson(json)) !== undefined;
    case "protected_material_code":
      return (results.protectedMaterialCode = citedFromJson(json)) !== undefined;
    case "custom_blocklists":
      return (results.customBlocklists = blocklistsFromJson(json)) !== undefined;
    case "ungrounded_material":
      return (results.ungroundedMaterial = spansFromJson(json)) !== undefined;
    case "error":
      return (results.error = errorFromJson(json)) !== undefined;
    default:
      return false;
  }
}

/**
 * Counts inherited enumerable keys too, which JSON.parse's objects have none of; were one polluting
 * Object.prototype, the category would only go to `otherJson`, still losing nothing.
 */
function keyCount(json: JsonObject): number {
  let count = 0;
  for (const _ in json) count++;
  return count;
}

function isInt32(value: JsonValue | undefined): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff;
}

/**
 * Severity as an enum rather than Azure's string: besides being typed, it spares protobuf-es a UTF-8
 * encode per category, about a third of what the annotations cost to encode.
 */
const SEVERITY_BY_NAME = new Map<JsonValue | undefined, ContentFilterSeverity>([
  ["safe", ContentFilterSeverity.SAFE],
  ["low", ContentFilterSeverity.LOW],
  ["medium", ContentFilterSeverity.MEDIUM],
  ["high", ContentFilterSeverity.HIGH],
]);

const SEVERITY_NAMES = new Map<ContentFilterSeverity, string>(
  Array.from(SEVERITY_BY_NAME, ([name, severity]) => [severity, name as string]),
);

function severityFromJson(value: JsonValue): ContentFilterSeverityResult | undefined {
  const json = lenient.object(value);
  if (json === undefined || keyCount(json) !== 2) return undefined;
  const filtered = json["filtered"];
  const severity = SEVERITY_BY_NAME.get(json["severity"]);
  if (typeof filtered !== "boolean" || severity === undefined) return undefined;
  return { $typeName: "tensorwall.v1.ContentFilterSeverityResult", filtered, severity };
}

/** UNSPECIFIED, which Azure's JSON never reads as, has no name and writes no `severity`. */
function severityToJson(result: ContentFilterSeverityResult): JsonObject {
  const severity = SEVERITY_NAMES.get(result.severity);
  return severity === undefined ? { filtered: result.filtered } : { filtered: result.filtered, severity };
}

function detectionFromJson(value: JsonValue): ContentFilterDetectionResult | undefined {
  const json = lenient.object(value);
  if (json === undefined || keyCount(json) !== 2) return undefined;
  const { filtered, detected } = json;
  if (typeof filtered !== "boolean" || typeof detected !== "boolean") return undefined;
  return { $typeName: "tensorwall.v1.ContentFilterDetectionResult", filtered, detected };
}

function detectionToJson(result: ContentFilterDetectionResult): JsonObject {
  return { filtered: result.filtered, detected: result.detected };
}

function citedFromJson(value: JsonValue): ContentFilterCitedDetectionResult | undefined {
  const json = lenient.object(value);
  if (json === undefined) return undefined;
  const { filtered, detected } = json;
  if (typeof filtered !== "boolean" || typeof detected !== "boolean") return undefined;
  const citationJson = json["citation"];
  const citation = citationJson === undefined ? undefined : citationFromJson(citationJson);
  if (keyCount(json) !== (citationJson === undefined ? 2 : 3) || citation === null) return undefined;
  return { $typeName: "tensorwall.v1.ContentFilterCitedDetectionResult", filtered, detected, citation };
}

/** null when the JSON is not in the modeled shape. */
function citationFromJson(value: JsonValue): ContentFilterCitation | null {
  const json = lenient.object(value);
  if (json === undefined) return null;
  const { URL: url, license } = json;
  if ((url !== undefined && typeof url !== "string") || (license !== undefined && typeof license !== "string")) return null;
  if (keyCount(json) !== (url === undefined ? 0 : 1) + (license === undefined ? 0 : 1)) return null;
  return { $typeName: "tensorwall.v1.ContentFilterCitation", url, license };
}

function citedToJson(result: ContentFilterCitedDetectionResult): JsonObject {
  const out: JsonObject = { filtered: result.filtered, detected: result.detected };
  const citation = result.citation;
  if (citation !== undefined) {
    const citationJson: JsonObject = {};
    if (citation.url !== undefined) citationJson["URL"] = citation.url;
    if (citation.license !== undefined) citationJson["license"] = citation.license;
    out["citation"] = citationJson;
  }
  return out;
}

function blocklistsFromJson(value: JsonValue): ContentFilterBlocklistResults | undefined {
  const json = lenient.object(value);
  if (json === undefined || keyCount(json) !== 2) return undefined;
  const { filtered, details: detailsJson } = json;
  if (typeof filtered !== "boolean" || !Array.isArray(detailsJson)) return undefined;
  const details: ContentFilterBlocklistResult[] = [];
  for (const item of detailsJson) {
    const detail = lenient.object(item);
    if (detail === undefined || keyCount(detail) !== 2) return undefined;
    const { filtered: listFiltered, id } = detail;
    if (typeof listFiltered !== "boolean" || typeof id !== "string") return undefined;
    details.push({ $typeName: "tensorwall.v1.ContentFilterBlocklistResult", filtered: listFiltered, id });
  }
  return { $typeName: "tensorwall.v1.ContentFilterBlocklistResults", filtered, details };
}

function blocklistsToJson(result: ContentFilterBlocklistResults): JsonObject {
  const details: JsonValue[] = [];
  for (const detail of result.details) details.push({ filtered: detail.filtered, id: detail.id });
  return { filtered: result.filtered, details };
}

function spansFromJson(value: JsonValue): ContentFilterSpanDetectionResult | undefined {
  const json = lenient.object(value);
  if (json === undefined || keyCount(json) !== 3) return undefined;
  const { filtered, detected, details: detailsJson } = json;
  if (typeof filtered !== "boolean" || typeof detected !== "boolean" || !Array.isArray(detailsJson)) return undefined;
  const details: ContentFilterTextSpan[] = [];
  for (const item of detailsJson) {
    const span = lenient.object(item);
    if (span === undefined || keyCount(span) !== 2) return undefined;
    const { completion_start_offset: start, completion_end_offset: end } = span;
    if (!isInt32(start) || !isInt32(end)) return undefined;
    details.push({ $typeName: "tensorwall.v1.ContentFilterTextSpan", completionStartOffset: start, completionEndOffset: end });
  }
  return { $typeName: "tensorwall.v1.ContentFilterSpanDetectionResult", filtered, detected, details };
}

function spansToJson(result: ContentFilterSpanDetectionResult): JsonObject {
  const details: JsonValue[] = [];
  for (const span of result.details) {
    details.push({ completion_start_offset: span.completionStartOffset, completion_end_offset: span.completionEndOffset });
  }
  return { filtered: result.filtered, detected: result.detected, details };
}

function errorFromJson(value: JsonValue): ContentFilterError | undefined {
  const json = lenient.object(value);
  if (json === undefined || keyCount(json) !== 2) return undefined;
  const { code, message } = json;
  if (typeof code !== "string" || typeof message !== "string") return undefined;
  return { $typeName: "tensorwall.v1.ContentFilterError", code, message };
}
