import type { ServiceImpl } from "@connectrpc/connect";
import type { AdminService } from "../../gen/tensorwall/v1/admin_pb.js";
import type { KeyRegistry } from "../keys/index.js";
import { deploymentAdminHandlers, NO_DEPLOYMENTS, type DeploymentControl } from "./deployment-admin.js";
import { keyAdminHandlers } from "./key-admin.js";
import { NO_USAGE, usageAdminHandlers, type UsageAdminOptions } from "./usage-admin.js";

/**
 * AdminService, assembled from the handlers of each concern it manages. Without a pool (tests of
 * key management alone), the deployment methods see a gateway with no configured deployments,
 * and without a ledger GetUsage sees one with no requests.
 */
export function createAdminService(
  registry: KeyRegistry,
  pool: DeploymentControl = NO_DEPLOYMENTS,
  usage: UsageAdminOptions = NO_USAGE,
): ServiceImpl<typeof AdminService> {
  return {
    ...keyAdminHandlers(registry),
    ...deploymentAdminHandlers(registry, pool),
    ...usageAdminHandlers(registry, usage),
  };
}
