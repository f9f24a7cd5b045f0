export { chatRequestFromJson } from "./chat-request-from-json.js";
export { chatRequestToJson } from "./chat-request-to-json.js";
export { chatResponseFromJson } from "./chat-response-from-json.js";
export { chatResponseToJson } from "./chat-response-to-json.js";
export { chatChunkFromJson } from "./chat-chunk-from-json.js";
export { chatChunkToJson } from "./chat-chunk-to-json.js";
export { MODELED_REQUEST_KEYS } from "./modeled-request-keys.js";
