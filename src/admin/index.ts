export { adminAuthenticator } from "./admin-authenticator.js";
export { createAdminService } from "./admin-service.js";
export {
  deploymentAdminHandlers,
  NO_DEPLOYMENTS,
  toDeploymentMessage,
  type DeploymentAdminHandlers,
  type DeploymentControl,
} from "./deployment-admin.js";
export { toGatewayKeyMessage } from "./gateway-key-message.js";
export { keyAdminHandlers, type KeyAdminHandlers } from "./key-admin.js";
export { NO_USAGE, usageAdminHandlers, type UsageAdminHandlers, type UsageAdminOptions } from "./usage-admin.js";
