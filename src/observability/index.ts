export { REQUEST_ID_HEADER, requestIdFrom } from "./request-id.js";
export type { RequestProtocol } from "./request-protocol.js";
export { RequestTelemetry, UNMATCHED_ROUTE, type ArrivedRequest } from "./request-telemetry.js";
export {
  REQUEST_TELEMETRY,
  requestTelemetry,
  Telemetry,
  type ObservedResponse,
  type ObservedStream,
  type TelemetryOptions,
} from "./telemetry.js";
