import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { GatewayKeySchema, KeyRole, type GatewayKey } from "../../gen/tensorwall/v1/admin_pb.js";
import type { KeyRecord } from "../store/index.js";

/** The public view of a key record. It has no field for the secret or its hash, by design. */
export function toGatewayKeyMessage(record: KeyRecord): GatewayKey {
  return create(GatewayKeySchema, {
    id: record.id,
    name: record.name,
    role: record.role === "admin" ? KeyRole.ADMIN : KeyRole.CLIENT,
    allowedModels: [...record.allowedModels],
    createdAt: timestampFromMs(record.createdAtMs),
    revokedAt: record.revokedAtMs === undefined ? undefined : timestampFromMs(record.revokedAtMs),
  });
}
