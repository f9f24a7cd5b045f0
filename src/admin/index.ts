export { adminAuthenticator } from "./admin-authenticator.js";
export { createAdminService } from "./admin-service.js";
export { toGatewayKeyMessage } from "./gateway-key-message.js";
export { keyAdminHandlers, type KeyAdminHandlers } from "./key-admin.js";
