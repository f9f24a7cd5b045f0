import type { JsonObject, JsonValue } from "@bufbuild/protobuf";

/**
 * Readers for JSON from Azure. Upstream data is not validated: a missing field, a `null` or a value
 * of an unexpected type reads as absent (or zero), so a quirk in one field never costs the caller the
 * whole answer.
 */
export const lenient = {
  string(value: JsonValue | undefined): string {
    return typeof value === "string" ? value : "";
  },

  optionalString(value: JsonValue | undefined): string | undefined {
    return typeof value === "string" ? value : undefined;
  },

  number(value: JsonValue | undefined): number {
    return typeof value === "number" ? value : 0;
  },

  integer(value: JsonValue | undefined): number {
    return typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : 0;
  },

  int64(value: JsonValue | undefined): bigint {
    return typeof value === "number" && Number.isFinite(value) ? BigInt(Math.trunc(value)) : 0n;
  },

  object(value: JsonValue | undefined): JsonObject | undefined {
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : undefined;
  },

  array(value: JsonValue | undefined): readonly JsonValue[] {
    return Array.isArray(value) ? value : EMPTY;
  },
};

const EMPTY: readonly JsonValue[] = Object.freeze([]);
