import { create } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import {
  ChatService,
  CreateChatCompletionRequestSchema,
  Role,
  type CreateChatCompletionRequest,
} from "../../gen/tensorwall/v1/chat_pb.js";

/** Connect with the binary codec over HTTP/2, or gRPC (always binary, always HTTP/2). */
export type RpcProtocol = "connect" | "grpc";

/** A ChatService client over one HTTP/2 session, which every worker of a leg shares. */
export interface RpcClient {
  readonly chat: Client<typeof ChatService>;
  close(): void;
}

export function rpcClient(baseUrl: string, protocol: RpcProtocol): RpcClient {
  const sessionManager = new Http2SessionManager(baseUrl);
  const transport =
    protocol === "connect"
      ? createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: true, sessionManager })
      : createGrpcTransport({ baseUrl, sessionManager });
  return { chat: createClient(ChatService, transport), close: () => sessionManager.abort() };
}

/** The same small chat request every leg sends, as a message. */
export function chatRequestMessage(model: string, stream: boolean): CreateChatCompletionRequest {
  return create(CreateChatCompletionRequestSchema, {
    model,
    messages: [{ role: Role.USER, content: "Hello!" }],
    ...(stream && { streamOptions: { includeUsage: true } }),
  });
}

/** The same small chat request every leg sends, as OpenAI JSON. */
export function chatRequestJson(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    messages: [{ role: "user", content: "Hello!" }],
    ...(stream && { stream: true, stream_options: { include_usage: true } }),
  });
}
