import { create, createFileRegistry, fromBinary, type DescService } from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  file_google_protobuf_descriptor,
  FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ChatService } from "../../gen/tensorwall/v1/chat_pb.js";
import { DescriptorIndex } from "../../src/reflection/index.js";

/** A service whose file declares an extension, nested types and a nested enum, as no gateway proto does yet. */
function auditedPingService(): DescService {
  const proto = create(FileDescriptorProtoSchema, {
    name: "test/ping.proto",
    package: "test",
    syntax: "proto3",
    dependency: ["google/protobuf/descriptor.proto"],
    messageType: [
      {
        name: "Ping",
        field: [{ name: "id", number: 1, type: Type.STRING, label: Label.OPTIONAL, jsonName: "id" }],
        nestedType: [{ name: "Inner" }],
        enumType: [{ name: "Kind", value: [{ name: "KIND_UNSPECIFIED", number: 0 }] }],
      },
    ],
    extension: [
      { name: "audited", number: 50001, type: Type.BOOL, label: Label.OPTIONAL, extendee: ".google.protobuf.MethodOptions", jsonName: "audited" },
    ],
    service: [{ name: "PingService", method: [{ name: "Ping", inputType: ".test.Ping", outputType: ".test.Ping" }] }],
  });
  const registry = createFileRegistry(proto, (name) => (name === file_google_protobuf_descriptor.proto.name ? file_google_protobuf_descriptor : undefined));
  return registry.getService("test.PingService")!;
}

describe("DescriptorIndex", () => {
  const index = new DescriptorIndex([auditedPingService(), ChatService, ChatService]);

  it("names each service once, sorted", () => {
    expect(index.serviceNames).toEqual(["tensorwall.v1.ChatService", "test.PingService"]);
  });

  it("finds files by name, the imported ones included", () => {
    expect(index.fileByName("tensorwall/v1/chat.proto")?.proto.name).toBe("tensorwall/v1/chat.proto");
    expect(index.fileByName("google/protobuf/struct.proto")?.proto.name).toBe("google/protobuf/struct.proto");
    expect(index.fileByName("tensorwall/v1/nope.proto")).toBeUndefined();
  });

  it.each([
    ["a service", "test.PingService", "test/ping.proto"],
    ["a method", "test.PingService.Ping", "test/ping.proto"],
    ["a message", "test.Ping", "test/ping.proto"],
    ["a field", "test.Ping.id", "test/ping.proto"],
    ["a nested message", "test.Ping.Inner", "test/ping.proto"],
    ["a nested enum", "test.Ping.Kind", "test/ping.proto"],
    ["an enum value, scoped beside its enum", "test.Ping.KIND_UNSPECIFIED", "test/ping.proto"],
    ["a top-level enum value", "tensorwall.v1.ROLE_USER", "tensorwall/v1/chat.proto"],
    ["an oneof", "tensorwall.v1.ContentPart.part", "tensorwall/v1/chat.proto"],
    ["an extension", "test.audited", "test/ping.proto"],
    ["a type from an imported file", "google.protobuf.Struct", "google/protobuf/struct.proto"],
  ])("finds the file declaring %s", (_kind, symbol, file) => {
    expect(index.fileContainingSymbol(symbol)?.proto.name).toBe(file);
  });

  it("does not take an enum value for a child of its enum, nor a leading dot", () => {
    expect(index.fileContainingSymbol("test.Ping.Kind.KIND_UNSPECIFIED")).toBeUndefined();
    expect(index.fileContainingSymbol(".test.Ping")).toBeUndefined();
  });

  it("finds extensions by extendee and number, and lists a type's extension numbers", () => {
    expect(index.fileContainingExtension("google.protobuf.MethodOptions", 50001)?.proto.name).toBe("test/ping.proto");
    expect(index.fileContainingExtension("google.protobuf.MethodOptions", 50002)).toBeUndefined();
    expect(index.extensionNumbers("google.protobuf.MethodOptions")).toEqual([50001]);
    expect(index.extensionNumbers("test.Ping")).toEqual([]);
    expect(index.extensionNumbers("test.Nope")).toBeUndefined();
  });

  it("serializes a file with its imports, then leaves out imports the stream already has", () => {
    const sent = new Set<string>();
    const file = index.fileByName("test/ping.proto")!;
    const names = (bytes: Uint8Array[]) => bytes.map((b) => fromBinary(FileDescriptorProtoSchema, b).name);
    expect(names(index.serializeWithImports(file, sent))).toEqual(["test/ping.proto", "google/protobuf/descriptor.proto"]);
    expect(names(index.serializeWithImports(file, sent))).toEqual(["test/ping.proto"]);
  });
});
