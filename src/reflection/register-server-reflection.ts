import { fromBinary, toBinary, type DescMessage, type DescService, type MessageShape } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import {
  ServerReflection as ServerReflectionV1,
  type ServerReflectionRequest,
  ServerReflectionRequestSchema,
  type ServerReflectionResponse,
  ServerReflectionResponseSchema,
} from "../../gen/grpc/reflection/v1/reflection_pb.js";
import {
  ServerReflection as ServerReflectionV1alpha,
  ServerReflectionRequestSchema as ServerReflectionRequestSchemaV1alpha,
  ServerReflectionResponseSchema as ServerReflectionResponseSchemaV1alpha,
} from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { answerReflectionRequest } from "./answer-reflection-request.js";
import { DescriptorIndex } from "./descriptor-index.js";

/**
 * Serves `grpc.reflection.v1.ServerReflection` and its predecessor `v1alpha` on `router`, describing
 * every service the router serves, including ones registered after this call. Needs no key: it
 * describes the API, which is public, and no data. Its one method is a bidi stream, so it needs
 * HTTP/2 (h2c or h2), which the one-port listener serves.
 */
export function registerServerReflection(router: ConnectRouter): void {
  // Read per stream, not now: services registered after this call are served too.
  const services = (): DescService[] => router.handlers.map((handler) => handler.service);
  router.service(ServerReflectionV1, {
    serverReflectionInfo: (requests) => answerAll(services(), requests),
  });
  // v1alpha's messages are v1's under another package name, identical on the wire: translate and answer as v1.
  router.service(ServerReflectionV1alpha, {
    serverReflectionInfo: (requests) =>
      mapStream(
        answerAll(services(), mapStream(requests, (request) => convert(ServerReflectionRequestSchemaV1alpha, ServerReflectionRequestSchema, request))),
        (response) => convert(ServerReflectionResponseSchema, ServerReflectionResponseSchemaV1alpha, response),
      ),
  });
}

async function* answerAll(
  services: DescService[],
  requests: AsyncIterable<ServerReflectionRequest>,
): AsyncGenerator<ServerReflectionResponse> {
  const index = new DescriptorIndex(services);
  const sentFiles = new Set<string>();
  for await (const request of requests) yield answerReflectionRequest(index, request, sentFiles);
}

async function* mapStream<A, B>(source: AsyncIterable<A>, map: (value: A) => B): AsyncGenerator<B> {
  for await (const value of source) yield map(value);
}

function convert<From extends DescMessage, To extends DescMessage>(from: From, to: To, message: MessageShape<From>): MessageShape<To> {
  return fromBinary(to, toBinary(from, message));
}
