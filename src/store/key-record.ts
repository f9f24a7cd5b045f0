/** What a gateway key may do: clients call ChatService; admins also call AdminService. */
export type KeyRole = "admin" | "client";

/** A budget's period; both start at 00:00 UTC (the day, or the first of the month). */
export type BudgetPeriod = "day" | "month";

export interface KeyBudget {
  /** The hard limit for one period, in billionths of a US dollar. */
  readonly limitNanoUsd: bigint;
  readonly period: BudgetPeriod;
}

/** Per-key limits; an absent limit does not apply. */
export interface KeyLimits {
  /** Requests admitted in any rolling 60 seconds. */
  readonly requestsPerMinute?: number;
  /** Tokens (prompt + completion) counted in any rolling 60 seconds. */
  readonly tokensPerMinute?: number;
  readonly budget?: KeyBudget;
}

/**
 * A gateway key as stored, without its secret. The secret is never stored and its hash never
 * leaves the store interface except to the registry that verifies it.
 */
export interface KeyRecord {
  readonly id: string;
  readonly name: string;
  readonly role: KeyRole;
  /** Model (route) names the key may use; empty means every model. */
  readonly allowedModels: readonly string[];
  readonly limits: KeyLimits;
  readonly createdAtMs: number;
  /** Set once the key is revoked; a revoked key never authenticates again. */
  readonly revokedAtMs?: number;
  /** The key is refused from this time on; absent means it does not expire. */
  readonly expiresAtMs?: number;
  /** After a rotation with a grace period, the previous secret is accepted until this time. */
  readonly previousSecretExpiresAtMs?: number;
}
