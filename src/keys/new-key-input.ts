import { GatewayError } from "../errors/index.js";
import type { KeyLimits, KeyRole } from "../store/index.js";

export interface NewKeyInput {
  /** Shown in listings and logs; 1 to 200 characters after trimming. */
  readonly name: string;
  /** Default "client". */
  readonly role?: KeyRole;
  /** Model (route) names; each is trimmed and must be non-empty. Default [] (every model). */
  readonly allowedModels?: readonly string[];
  /** Default: no limits. */
  readonly limits?: KeyLimits;
  /** When the key stops working, in milliseconds since the epoch; must be in the future. Default never. */
  readonly expiresAtMs?: number;
}

export interface NormalizedKeyInput {
  readonly name: string;
  readonly role: KeyRole;
  readonly allowedModels: string[];
  readonly limits: KeyLimits;
  readonly expiresAtMs: number | undefined;
}

export const MAX_KEY_NAME_LENGTH = 200;

/** Limits beyond these are typos, and the budget cap keeps Redis's Lua arithmetic (doubles) exact. */
export const MAX_REQUESTS_PER_MINUTE = 1_000_000_000;
export const MAX_TOKENS_PER_MINUTE = 1_000_000_000_000;
/** $1,000,000 per period, in nano-dollars. */
export const MAX_BUDGET_NANO_USD = 1_000_000_000_000_000n;

/**
 * Validates and normalises a new key's fields; a violation is an invalid_request naming the
 * field as the proto spells it, since the admin API is the usual caller.
 */
export function normalizeNewKeyInput(input: NewKeyInput, nowMs: number): NormalizedKeyInput {
  const name = input.name.trim();
  if (name === "") invalid("name", "A key needs a name.");
  // Counted in code points so the limit matches what a person would call characters.
  if ([...name].length > MAX_KEY_NAME_LENGTH) {
    invalid("name", `A key name may be at most ${MAX_KEY_NAME_LENGTH} characters.`);
  }
  const role = input.role ?? "client";
  if (role !== "admin" && role !== "client") invalid("role", "A key's role must be admin or client.");
  const allowedModels: string[] = [];
  for (const [index, raw] of (input.allowedModels ?? []).entries()) {
    const model = typeof raw === "string" ? raw.trim() : "";
    if (model === "") invalid(`allowed_models[${index}]`, "Allowed model names must be non-empty strings.");
    if (!allowedModels.includes(model)) allowedModels.push(model);
  }
  if (input.expiresAtMs !== undefined && !(input.expiresAtMs > nowMs)) {
    invalid("expires_at", "expires_at must be in the future.");
  }
  return { name, role, allowedModels, limits: normalizeLimits(input.limits ?? {}), expiresAtMs: input.expiresAtMs };
}

function normalizeLimits(limits: KeyLimits): KeyLimits {
  const { requestsPerMinute, tokensPerMinute, budget } = limits;
  if (requestsPerMinute !== undefined && !isWholeIn(requestsPerMinute, MAX_REQUESTS_PER_MINUTE)) {
    invalid("limits.requests_per_minute", `requests_per_minute must be a whole number from 1 to ${MAX_REQUESTS_PER_MINUTE}.`);
  }
  if (tokensPerMinute !== undefined && !isWholeIn(tokensPerMinute, MAX_TOKENS_PER_MINUTE)) {
    invalid("limits.tokens_per_minute", `tokens_per_minute must be a whole number from 1 to ${MAX_TOKENS_PER_MINUTE}.`);
  }
  if (budget !== undefined) {
    if (budget.limitNanoUsd <= 0n || budget.limitNanoUsd > MAX_BUDGET_NANO_USD) {
      invalid("limits.budget.limit_usd", "A budget's limit_usd must be more than 0 and at most 1000000.");
    }
    if (budget.period !== "day" && budget.period !== "month") {
      invalid("limits.budget.period", "A budget's period must be day or month.");
    }
  }
  return {
    ...(requestsPerMinute !== undefined && { requestsPerMinute }),
    ...(tokensPerMinute !== undefined && { tokensPerMinute }),
    ...(budget !== undefined && { budget: { limitNanoUsd: budget.limitNanoUsd, period: budget.period } }),
  };
}

function isWholeIn(value: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= 1 && value <= max;
}

function invalid(param: string, message: string): never {
  throw new GatewayError("invalid_request", message, { param });
}
