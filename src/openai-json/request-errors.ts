import { GatewayError } from "../errors/index.js";

/**
 * The errors request validation throws, worded after OpenAI's own 400s so a caller can tell from the
 * message and `param` which value to fix.
 *
 * Params are built by the caller only on the failing branch: validation runs on every request and
 * should not pay for strings it never shows.
 */

/** A JSON object as `JSON.parse` makes it: values not yet checked. */
export type UnknownRecord = { [key: string]: unknown };

export function isRecord(value: unknown): value is UnknownRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** How a JSON value is named in an error message. */
export function describeJson(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return Number.isInteger(value) ? "an integer" : "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}

export function invalidRequest(param: string | undefined, message: string): GatewayError {
  return new GatewayError("invalid_request", message, param === undefined ? {} : { param });
}

export function invalidType(param: string, expected: string, value: unknown): GatewayError {
  return invalidRequest(
    param,
    `Invalid type for '${param}': expected ${expected}, but got ${describeJson(value)} instead.`,
  );
}

export function missingParameter(param: string): GatewayError {
  return invalidRequest(param, `Missing required parameter: '${param}'.`);
}

export function invalidValue(param: string, value: unknown, supported: readonly string[]): GatewayError {
  const shown = typeof value === "string" ? `'${value}'` : describeJson(value);
  const list = supported.map((s) => `'${s}'`).join(", ");
  return invalidRequest(param, `Invalid value for '${param}': ${shown}. Supported values are: ${list}.`);
}

export function outOfRange(param: string, value: number, min: number, max: number): GatewayError {
  return invalidRequest(
    param,
    `Invalid '${param}': expected a value from ${min} to ${max}, but got ${value} instead.`,
  );
}

export function unknownField(param: string, key: string): GatewayError {
  return invalidRequest(
    `${param}.${key}`,
    `Unrecognized field '${key}' in '${param}'. This gateway passes unknown top-level parameters ` +
      "through to Azure, but not unknown fields inside them.",
  );
}

export function unsupported(param: string, what: string): GatewayError {
  return invalidRequest(param, `${what} is not supported by this gateway.`);
}

export function emptyArray(param: string): GatewayError {
  return invalidRequest(param, `Invalid '${param}': empty array. Expected at least one element.`);
}
