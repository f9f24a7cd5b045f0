import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { AdminService } from "../../gen/tensorwall/v1/admin_pb.js";
import type { KeyRegistry } from "../keys/index.js";
import { keyAdminHandlers } from "./key-admin.js";

/** AdminService, assembled from the handlers of each concern it manages. */
export function createAdminService(registry: KeyRegistry): ServiceImpl<typeof AdminService> {
  const unimplemented = (): never => {
    throw new ConnectError("Not implemented yet.", Code.Unimplemented);
  };
  return {
    ...keyAdminHandlers(registry),
    rotateKey: unimplemented,
    listDeployments: unimplemented,
    resetCircuit: unimplemented,
    setDeploymentEnabled: unimplemented,
    getUsage: unimplemented,
  };
}
