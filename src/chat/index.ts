export { CALL_SIGNAL, chatCallFromHeaders, type ChatCall, type HeaderReader } from "./chat-call.js";
export { ChatCompletions, type ChatStream, type ResponseHeaderSink } from "./chat-completions.js";
export { createChatService } from "./chat-service.js";
export { servedByHeaderEntries, setServedByHeaders } from "./served-by-headers.js";
export { validateChatRequest } from "./validate-chat-request.js";
