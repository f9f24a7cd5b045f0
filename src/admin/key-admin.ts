import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type AdminService,
  CreateKeyResponseSchema,
  KeyRole,
  ListKeysResponseSchema,
  RevokeKeyResponseSchema,
  RotateKeyResponseSchema,
} from "../../gen/tensorwall/v1/admin_pb.js";
import { GatewayError } from "../errors/index.js";
import type { KeyRegistry } from "../keys/index.js";
import type { KeyRole as StoredKeyRole } from "../store/index.js";
import { adminAuthenticator } from "./admin-authenticator.js";
import { toGatewayKeyMessage } from "./gateway-key-message.js";
import { keyLimitsFromMessage, optionalTimestampMs } from "./key-limits-input.js";

/** The AdminService methods that manage gateway keys. */
export type KeyAdminHandlers = Pick<ServiceImpl<typeof AdminService>, "createKey" | "listKeys" | "revokeKey" | "rotateKey">;

/**
 * Key management over a key registry. Every call needs an admin key; handlers throw GatewayError
 * and leave its translation to a Connect error to the server's interceptor.
 */
export function keyAdminHandlers(registry: KeyRegistry): KeyAdminHandlers {
  const admin = adminAuthenticator(registry);
  return {
    async createKey(request, ctx) {
      await admin(ctx);
      const { record, secret } = await registry.create({
        name: request.name,
        role: roleFromMessage(request.role),
        allowedModels: request.allowedModels,
        limits: keyLimitsFromMessage(request.limits),
        expiresAtMs: optionalTimestampMs(request.expiresAt),
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

    async rotateKey(request, ctx) {
      await admin(ctx);
      const seconds = request.gracePeriodSeconds;
      const { record, secret } = await registry.rotate(request.id, {
        // Out-of-range values keep their sign and size, so the registry's range check names them.
        gracePeriodMs: seconds === undefined ? undefined : Number(seconds) * 1000,
      });
      return create(RotateKeyResponseSchema, { key: toGatewayKeyMessage(record), secret });
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
