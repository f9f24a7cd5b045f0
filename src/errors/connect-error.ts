import { fromJson } from "@bufbuild/protobuf";
import { StructSchema } from "@bufbuild/protobuf/wkt";
import { ConnectError } from "@connectrpc/connect";
import { ERROR_TABLE } from "./error-table.js";
import { toGatewayError } from "./gateway-error.js";

/** Header names that carry a gateway error's machine-readable parts on RPC. */
export const ERROR_CODE_HEADER = "tensorwall-error-code";
export const ERROR_PARAM_HEADER = "tensorwall-error-param";
export const RETRY_AFTER_MS_HEADER = "retry-after-ms";

/**
 * Our error as Connect, gRPC and gRPC-Web callers see it: the table's Code, our code and param as
 * metadata, the retry delay as `retry-after-ms`, and user-facing detail as a Struct error detail.
 */
export function toConnectError(thrown: unknown): ConnectError {
  if (thrown instanceof ConnectError) return thrown;
  const error = toGatewayError(thrown);
  // A call ended by its own deadline or by its caller: Connect put its verdict (DeadlineExceeded or
  // Canceled) on the handler's signal, and our error carries that reason as its cause.
  if (error.code === "request_canceled" && error.cause instanceof ConnectError) return error.cause;
  const metadata = new Headers({ [ERROR_CODE_HEADER]: error.code });
  if (error.param !== undefined) metadata.set(ERROR_PARAM_HEADER, error.param);
  if (error.retryAfterMs !== undefined) metadata.set(RETRY_AFTER_MS_HEADER, String(Math.ceil(error.retryAfterMs)));
  const details = error.detail === undefined ? [] : [{ desc: StructSchema, value: fromJson(StructSchema, error.detail) }];
  return new ConnectError(error.message, ERROR_TABLE[error.code].connectCode, metadata, details, error);
}
