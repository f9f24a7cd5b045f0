import { GatewayError } from "../errors/index.js";
import type { Principal } from "./principal.js";

/**
 * Throws permission_denied unless the key may use `model`. The match is exact: "azure/gpt-4o" and
 * "gpt-4o" are different routes, so allowing one does not allow the other.
 */
export function authorizeModel(principal: Principal, model: string): void {
  if (principal.allowedModels.length === 0) return;
  if (principal.allowedModels.includes(model)) return;
  throw new GatewayError(
    "permission_denied",
    `This gateway key is not allowed to use model ${JSON.stringify(model)}.`,
    { param: "model" },
  );
}
