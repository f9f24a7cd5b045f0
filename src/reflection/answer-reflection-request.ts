import { create, type DescFile, type MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import {
  ServerReflectionResponseSchema,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from "../../gen/grpc/reflection/v1/reflection_pb.js";
import type { DescriptorIndex } from "./descriptor-index.js";

type MessageResponse = MessageInitShape<typeof ServerReflectionResponseSchema>["messageResponse"];

/**
 * One reflection answer, as grpc-go's reference server gives it: a failed lookup is an
 * `error_response` on the stream, not the end of the stream. `sentFiles` holds the file names this
 * stream has sent already (see `DescriptorIndex.serializeWithImports`).
 */
export function answerReflectionRequest(
  index: DescriptorIndex,
  request: ServerReflectionRequest,
  sentFiles: Set<string>,
): ServerReflectionResponse {
  return create(ServerReflectionResponseSchema, {
    validHost: request.host,
    originalRequest: request,
    messageResponse: messageResponse(index, request.messageRequest, sentFiles),
  });
}

function messageResponse(
  index: DescriptorIndex,
  request: ServerReflectionRequest["messageRequest"],
  sentFiles: Set<string>,
): MessageResponse {
  const files = (file: DescFile | undefined, notFound: string): MessageResponse =>
    file === undefined
      ? failure(Code.NotFound, notFound)
      : { case: "fileDescriptorResponse", value: { fileDescriptorProto: index.serializeWithImports(file, sentFiles) } };
  switch (request.case) {
    case "listServices":
      return { case: "listServicesResponse", value: { service: index.serviceNames.map((name) => ({ name })) } };
    case "fileByFilename":
      return files(index.fileByName(request.value), `File '${request.value}' not found.`);
    case "fileContainingSymbol":
      return files(index.fileContainingSymbol(request.value), `Symbol '${request.value}' not found.`);
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = request.value;
      return files(
        index.fileContainingExtension(containingType, extensionNumber),
        `Extension ${extensionNumber} of '${containingType}' not found.`,
      );
    }
    case "allExtensionNumbersOfType": {
      const numbers = index.extensionNumbers(request.value);
      if (numbers === undefined) return failure(Code.NotFound, `Type '${request.value}' not found.`);
      return { case: "allExtensionNumbersResponse", value: { baseTypeName: request.value, extensionNumber: numbers } };
    }
    case undefined:
      return failure(Code.InvalidArgument, "The request sets none of the message_request fields.");
  }
}

function failure(code: Code, message: string): MessageResponse {
  // Connect's codes are gRPC's status codes, number for number.
  return { case: "errorResponse", value: { errorCode: code, errorMessage: message } };
}
