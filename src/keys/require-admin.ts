import { GatewayError } from "../errors/index.js";
import type { Principal } from "./principal.js";

/** Throws permission_denied unless the key is an admin key. */
export function requireAdmin(principal: Principal): void {
  if (principal.role === "admin") return;
  throw new GatewayError("permission_denied", "This call needs an admin gateway key.");
}
