import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import type * as http2 from "node:http2";
import { StreamChatCompletionRequestSchema } from "../../gen/tensorwall/v1/chat_pb.js";

/**
 * Starts StreamChatCompletion over the Connect protocol on a raw HTTP/2 session, for tests that
 * need what a Connect client hides: pausing the read, resetting the stream, its exact bytes.
 */
export function startRawConnectStream(
  session: http2.ClientHttp2Session,
  key: string,
  request: MessageInitShape<typeof StreamChatCompletionRequestSchema>["request"],
): http2.ClientHttp2Stream {
  const message = toBinary(StreamChatCompletionRequestSchema, create(StreamChatCompletionRequestSchema, { request }));
  const envelope = Buffer.alloc(5 + message.length);
  envelope.writeUInt32BE(message.length, 1);
  envelope.set(message, 5);
  const stream = session.request({
    ":method": "POST",
    ":path": "/tensorwall.v1.ChatService/StreamChatCompletion",
    "content-type": "application/connect+proto",
    "connect-protocol-version": "1",
    "x-api-key": key,
  });
  stream.end(envelope);
  return stream;
}
