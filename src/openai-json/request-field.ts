import type { JsonObject } from "@bufbuild/protobuf";
import { invalidType, isRecord, missingParameter, outOfRange, type UnknownRecord } from "./request-errors.js";

/**
 * Readers for a caller's request fields. An optional field sent as `null` reads as absent, as OpenAI
 * treats it; any other value of the wrong type or out of range fails with the field's param.
 */
export const requestField = {
  optionalNumber(value: unknown, param: string, min: number, max: number): number | undefined {
    if (value === null) return undefined;
    if (typeof value !== "number") throw invalidType(param, "a number", value);
    if (!(value >= min && value <= max)) throw outOfRange(param, value, min, max);
    return value;
  },

  optionalInteger(value: unknown, param: string, min: number, max: number): number | undefined {
    if (value === null) return undefined;
    if (!Number.isInteger(value)) throw invalidType(param, "an integer", value);
    const n = value as number;
    if (n < min || n > max) throw outOfRange(param, n, min, max);
    return n;
  },

  optionalBoolean(value: unknown, param: string): boolean | undefined {
    if (value === null) return undefined;
    if (typeof value !== "boolean") throw invalidType(param, "a boolean", value);
    return value;
  },

  optionalString(value: unknown, param: string): string | undefined {
    if (value === null) return undefined;
    if (typeof value !== "string") throw invalidType(param, "a string", value);
    return value;
  },

  /** A JSON object for a Struct field; kept by reference, since it already is a JsonObject. */
  optionalObject(value: unknown, param: string): JsonObject | undefined {
    if (value === null) return undefined;
    if (!isRecord(value)) throw invalidType(param, "an object", value);
    return value as JsonObject;
  },

  /** The `name` of a function or schema, which OpenAI requires to be non-empty. */
  requiredName(json: UnknownRecord, param: string): string {
    const name = json["name"];
    if (name === undefined || name === null || name === "") throw missingParameter(`${param}.name`);
    if (typeof name !== "string") throw invalidType(`${param}.name`, "a string", name);
    return name;
  },
};
