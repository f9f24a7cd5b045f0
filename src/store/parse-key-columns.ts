import type { KeyRole } from "./key-record.js";

/** Reads gateway_keys.role; the CHECK constraint makes a bad value mean the database was edited by hand. */
export function parseKeyRole(role: string): KeyRole {
  if (role === "admin" || role === "client") return role;
  throw new Error(`gateway_keys.role holds '${role}', expected 'admin' or 'client'.`);
}

/** Reads gateway_keys.allowed_models, a JSON array of strings. */
export function parseAllowedModels(json: string, id: string): string[] {
  const parsed: unknown = JSON.parse(json);
  if (Array.isArray(parsed) && parsed.every((m) => typeof m === "string")) return parsed;
  throw new Error(`gateway_keys.allowed_models of key '${id}' is not a JSON array of strings.`);
}
