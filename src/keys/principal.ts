import type { KeyLimits, KeyRole } from "../store/index.js";

/** Who is calling: the authenticated gateway key, without its secret. */
export interface Principal {
  readonly keyId: string;
  readonly name: string;
  readonly role: KeyRole;
  /** Model (route) names the key may use; empty means every model. */
  readonly allowedModels: readonly string[];
  readonly limits: KeyLimits;
}
