export {
  DEFAULT_CLIENT_TIMEOUT_MS,
  createTensorWallClient,
  type TensorWallClient,
  type TensorWallClientOptions,
  type TensorWallProtocol,
} from "./create-tensorwall-client.js";
// The contract and Connect's error type, so a caller needs no other import to build requests and
// read failures.
export * from "../../gen/tensorwall/v1/admin_pb.js";
export * from "../../gen/tensorwall/v1/chat_pb.js";
export { Code, ConnectError } from "@connectrpc/connect";
