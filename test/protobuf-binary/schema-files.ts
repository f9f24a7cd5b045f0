import type { DescFile, DescMessage } from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import {
  file_google_protobuf_any,
  file_google_protobuf_api,
  file_google_protobuf_descriptor,
  file_google_protobuf_duration,
  file_google_protobuf_struct,
  file_google_protobuf_timestamp,
  file_google_protobuf_type,
  file_google_protobuf_wrappers,
} from "@bufbuild/protobuf/wkt";
import { file_grpc_health_v1_health } from "../../gen/grpc/health/v1/health_pb.js";
import { file_grpc_reflection_v1_reflection } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { file_grpc_reflection_v1alpha_reflection } from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { file_tensorwall_v1_admin } from "../../gen/tensorwall/v1/admin_pb.js";
import { file_tensorwall_v1_chat } from "../../gen/tensorwall/v1/chat_pb.js";

/** Every proto file in gen/. */
export const PROJECT_FILES = [
  file_tensorwall_v1_chat,
  file_tensorwall_v1_admin,
  file_grpc_health_v1_health,
  file_grpc_reflection_v1_reflection,
  file_grpc_reflection_v1alpha_reflection,
];

/** The well-known types protobuf-es ships. */
export const WELL_KNOWN_FILES = [
  file_google_protobuf_any,
  file_google_protobuf_api,
  file_google_protobuf_descriptor,
  file_google_protobuf_duration,
  file_google_protobuf_struct,
  file_google_protobuf_timestamp,
  file_google_protobuf_type,
  file_google_protobuf_wrappers,
];

/** The message types a file declares, nested ones included. */
export function messageTypes(file: DescFile): DescMessage[] {
  return [...nestedTypes(file)].filter((type): type is DescMessage => type.kind === "message");
}
