export { createAdminService } from "./admin-service.js";
export { toGatewayKeyMessage } from "./gateway-key-message.js";
