export type { HttpRequest, HttpResponse } from "./http-types.js";
export { openAiErrorJson } from "./openai-error-json.js";
export { createRestBridge, type RestBridgeOptions, type RestHandler } from "./rest-bridge.js";
export { writeErrorResponse } from "./write-error-response.js";
