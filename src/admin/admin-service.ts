import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  AdminService,
  CreateKeyResponseSchema,
  KeyRole,
  ListKeysResponseSchema,
  RevokeKeyResponseSchema,
} from "../../gen/tensorwall/v1/admin_pb.js";
import { GatewayError } from "../errors/index.js";
import { readGatewayKey, requireAdmin, type KeyRegistry, type Principal } from "../keys/index.js";
import type { KeyRole as StoredKeyRole } from "../store/index.js";
import { toGatewayKeyMessage } from "./gateway-key-message.js";

/**
 * AdminService over a key registry. Every call needs an admin key; handlers throw GatewayError
 * and leave its translation to a Connect error to the server's interceptor.
 */
export function createAdminService(registry: KeyRegistry): ServiceImpl<typeof AdminService> {
  async function admin(ctx: HandlerContext): Promise<Principal> {
    const principal = await registry.authenticate(readGatewayKey((n) => ctx.requestHeader.get(n)));
    requireAdmin(principal);
    return principal;
  }

  return {
    async createKey(request, ctx) {
      await admin(ctx);
      const { record, secret } = await registry.create({
        name: request.name,
        role: roleFromMessage(request.role),
        allowedModels: request.allowedModels,
      });
      return create(CreateKeyResponseSchema, { key: toGatewayKeyMessage(record), secret });
    },

    async listKeys(request, ctx) {
      await admin(ctx);
      const records = await registry.list({ includeRevoked: request.includeRevoked });
      return create(ListKeysResponseSchema, { keys: records.map(toGatewayKeyMessage) });
    },

    async revokeKey(request, ctx) {
      await admin(ctx);
      const record = await registry.revoke(request.id);
      return create(RevokeKeyResponseSchema, { key: toGatewayKeyMessage(record) });
    },
  };
}

function roleFromMessage(role: KeyRole): StoredKeyRole {
  switch (role) {
    case KeyRole.UNSPECIFIED:
    case KeyRole.CLIENT:
      return "client";
    case KeyRole.ADMIN:
      return "admin";
    default:
      // proto3 enums are open: a newer client can send a number this build does not know.
      throw new GatewayError("invalid_request", `Unknown key role ${String(role)}.`, {
        param: "role",
      });
  }
}
