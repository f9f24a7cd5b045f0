/** What a gateway key may do: clients call ChatService; admins also call AdminService. */
export type KeyRole = "admin" | "client";

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
  readonly createdAtMs: number;
  /** Set once the key is revoked; a revoked key never authenticates again. */
  readonly revokedAtMs?: number;
}
