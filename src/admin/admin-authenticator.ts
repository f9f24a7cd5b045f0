import type { HandlerContext } from "@connectrpc/connect";
import { readGatewayKey, requireAdmin, type KeyRegistry, type Principal } from "../keys/index.js";

/** Authenticates an admin call from its metadata; refuses keys without the admin role. */
export function adminAuthenticator(registry: KeyRegistry): (ctx: HandlerContext) => Promise<Principal> {
  return async (ctx) => {
    const principal = await registry.authenticate(readGatewayKey((name) => ctx.requestHeader.get(name)));
    requireAdmin(principal);
    return principal;
  };
}
