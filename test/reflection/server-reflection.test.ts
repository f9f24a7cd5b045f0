import { create, createFileRegistry, fromBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { Code, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ServerReflection,
  type ServerReflectionRequestSchema,
  type ServerReflectionResponse,
} from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1alpha } from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { startTestGateway, type TestGateway } from "../support/gateway-harness.js";

type Request = MessageInitShape<typeof ServerReflectionRequestSchema>;

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.close());
afterEach(() => expect(gw.unexpectedErrors).toEqual([]));

const SERVICES = [
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
  "tensorwall.v1.AdminService",
  "tensorwall.v1.ChatService",
];

/** Sends `requests` on one reflection stream, with no key, and collects the answers. */
async function reflect(transport: Transport, requests: Request[]): Promise<ServerReflectionResponse[]> {
  const responses: ServerReflectionResponse[] = [];
  for await (const response of createClient(ServerReflection, transport).serverReflectionInfo(
    (async function* () {
      yield* requests;
    })(),
  )) {
    responses.push(response);
  }
  return responses;
}

function descriptors(response: ServerReflectionResponse | undefined): FileDescriptorProto[] {
  if (response?.messageResponse.case !== "fileDescriptorResponse") throw new Error(`not a file answer: ${response?.messageResponse.case}`);
  return response.messageResponse.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
}

function errorOf(response: ServerReflectionResponse | undefined): { errorCode: number; errorMessage: string } | undefined {
  return response?.messageResponse.case === "errorResponse" ? response.messageResponse.value : undefined;
}

const transports: [string, () => Transport][] = [
  ["gRPC over h2c", () => createGrpcTransport({ baseUrl: gw.url })],
  ["Connect over HTTP/2", () => createConnectTransport({ baseUrl: gw.url, httpVersion: "2" })],
];

describe.each(transports)("grpc.reflection.v1 over %s", (_name, transport) => {
  it("lists every service the gateway serves", async () => {
    const [response] = await reflect(transport(), [{ messageRequest: { case: "listServices", value: "" } }]);
    expect(response?.messageResponse.case).toBe("listServicesResponse");
    const names = response?.messageResponse.case === "listServicesResponse" ? response.messageResponse.value.service.map((s) => s.name) : [];
    expect(names).toEqual(SERVICES);
  });

  it("answers a service name with descriptors a client can rebuild the whole API from", async () => {
    const [response] = await reflect(transport(), [{ messageRequest: { case: "fileContainingSymbol", value: "tensorwall.v1.ChatService" } }]);
    const files = descriptors(response);
    expect(files.map((file) => file.name)).toEqual(["tensorwall/v1/chat.proto", "google/protobuf/struct.proto"]);
    // Built from the wire alone, every type the service uses must resolve. (protobuf-es takes imports first.)
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: files.slice().reverse() }));
    const chat = registry.getService("tensorwall.v1.ChatService");
    expect(chat?.methods.map((method) => method.name)).toEqual(["CreateChatCompletion", "StreamChatCompletion", "ListModels"]);
    expect(chat?.method.streamChatCompletion?.methodKind).toBe("server_streaming");
    expect(registry.getMessage("tensorwall.v1.CreateChatCompletionRequest")?.field.extra?.message?.typeName).toBe("google.protobuf.Struct");
  });

  it("answers files by name and by symbol on one stream, sending each import only once", async () => {
    const responses = await reflect(transport(), [
      { messageRequest: { case: "fileByFilename", value: "tensorwall/v1/admin.proto" } },
      { messageRequest: { case: "fileContainingSymbol", value: "tensorwall.v1.ChatService.ListModels" } },
      { messageRequest: { case: "fileContainingSymbol", value: "tensorwall.v1.ROLE_USER" } },
      { messageRequest: { case: "fileContainingSymbol", value: "google.protobuf.Value" } },
    ]);
    expect(responses.map((response) => descriptors(response).map((file) => file.name))).toEqual([
      ["tensorwall/v1/admin.proto", "google/protobuf/timestamp.proto"],
      ["tensorwall/v1/chat.proto", "google/protobuf/struct.proto"],
      ["tensorwall/v1/chat.proto"],
      ["google/protobuf/struct.proto"],
    ]);
  });

  it("describes the health service, so probes can be written against it", async () => {
    const [response] = await reflect(transport(), [{ messageRequest: { case: "fileContainingSymbol", value: "grpc.health.v1.Health" } }]);
    expect(descriptors(response).map((file) => file.name)).toEqual(["grpc/health/v1/health.proto"]);
  });

  it("answers lookups that fail with an error on the stream, and keeps answering", async () => {
    const responses = await reflect(transport(), [
      { host: "gateway.example", messageRequest: { case: "fileContainingSymbol", value: "tensorwall.v1.Nope" } },
      { messageRequest: { case: "fileByFilename", value: "nope.proto" } },
      { messageRequest: { case: "fileContainingExtension", value: { containingType: "tensorwall.v1.ChatMessage", extensionNumber: 100 } } },
      { messageRequest: { case: "allExtensionNumbersOfType", value: "tensorwall.v1.Nope" } },
      {},
      { messageRequest: { case: "allExtensionNumbersOfType", value: "tensorwall.v1.ChatMessage" } },
    ]);
    expect(responses.slice(0, 5).map((response) => errorOf(response)?.errorCode)).toEqual([
      Code.NotFound,
      Code.NotFound,
      Code.NotFound,
      Code.NotFound,
      Code.InvalidArgument,
    ]);
    expect(errorOf(responses[0])?.errorMessage).toContain("tensorwall.v1.Nope");
    expect(responses[0]?.validHost).toBe("gateway.example");
    expect(responses[0]?.originalRequest?.messageRequest).toEqual({ case: "fileContainingSymbol", value: "tensorwall.v1.Nope" });
    expect(responses[5]?.messageResponse).toMatchObject({
      case: "allExtensionNumbersResponse",
      value: { baseTypeName: "tensorwall.v1.ChatMessage", extensionNumber: [] },
    });
  });
});

describe("grpc.reflection.v1alpha", () => {
  it("answers as v1 does, in its own package's messages", async () => {
    const client = createClient(ServerReflectionV1alpha, createGrpcTransport({ baseUrl: gw.url }));
    const responses = [];
    for await (const response of client.serverReflectionInfo(
      (async function* () {
        yield { messageRequest: { case: "listServices" as const, value: "" } };
        yield { messageRequest: { case: "fileByFilename" as const, value: "tensorwall/v1/chat.proto" } };
      })(),
    )) {
      responses.push(response);
    }
    expect(responses.map((response) => response.$typeName)).toEqual([
      "grpc.reflection.v1alpha.ServerReflectionResponse",
      "grpc.reflection.v1alpha.ServerReflectionResponse",
    ]);
    expect(responses[0]?.messageResponse.case === "listServicesResponse" && responses[0].messageResponse.value.service.map((s) => s.name)).toEqual(SERVICES);
    const files = responses[1]?.messageResponse.case === "fileDescriptorResponse" ? responses[1].messageResponse.value.fileDescriptorProto : [];
    expect(files.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name)).toEqual(["tensorwall/v1/chat.proto", "google/protobuf/struct.proto"]);
    expect(responses[1]?.originalRequest?.$typeName).toBe("grpc.reflection.v1alpha.ServerReflectionRequest");
  });
});
