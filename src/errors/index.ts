export {
  ERROR_CODE_HEADER,
  ERROR_PARAM_HEADER,
  RETRY_AFTER_MS_HEADER,
  toConnectError,
} from "./connect-error.js";
export { ERROR_TABLE, type ErrorCode, type ErrorDefinition } from "./error-table.js";
export { GatewayError, toGatewayError, type GatewayErrorOptions } from "./gateway-error.js";
