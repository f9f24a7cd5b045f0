import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { ChatService } from "../../gen/tensorwall/v1/chat_pb.js";
import { GatewayError } from "../errors/index.js";
import type { KeyRegistry } from "../keys/index.js";
import { chatCallFromHeaders, type ChatCall } from "./chat-call.js";
import type { ChatCompletions, ResponseHeaderSink } from "./chat-completions.js";
import { setServedByHeaders } from "./served-by-headers.js";

/** ChatService over Connect, gRPC and gRPC-Web: authenticate from metadata, then delegate. */
export function createChatService(chat: ChatCompletions, keys: KeyRegistry): ServiceImpl<typeof ChatService> {
  const callFrom = (ctx: HandlerContext): Promise<ChatCall> =>
    chatCallFromHeaders(keys, (name) => ctx.requestHeader.get(name), ctx.signal, ctx.timeoutMs());
  return {
    async createChatCompletion(request, ctx) {
      const response = await chat.create(request, await callFrom(ctx), headerSink(ctx));
      if (response.servedBy) setServedByHeaders(ctx.responseHeader, response.servedBy);
      return response;
    },
    async *streamChatCompletion(wrapper, ctx) {
      if (wrapper.request === undefined) {
        throw new GatewayError("invalid_request", "'request' is required.", { param: "request" });
      }
      const stream = await chat.openStream(wrapper.request, await callFrom(ctx), headerSink(ctx));
      setServedByHeaders(ctx.responseHeader, stream.servedBy);
      yield* stream.chunks;
    },
    async listModels(_request, ctx) {
      await callFrom(ctx);
      return chat.listModels();
    },
  };
}

/** Rate-limit headers travel as response metadata, which Connect sends with errors too. */
function headerSink(ctx: HandlerContext): ResponseHeaderSink {
  return (name, value) => ctx.responseHeader.set(name, value);
}
