export { ERROR_TABLE, type ErrorCode, type ErrorDefinition } from "./error-table.js";
export { GatewayError, toGatewayError, type GatewayErrorOptions } from "./gateway-error.js";
