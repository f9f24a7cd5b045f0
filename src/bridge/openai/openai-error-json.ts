import type { JsonObject } from "@bufbuild/protobuf";
import { ERROR_TABLE, type GatewayError } from "../../errors/index.js";

/** Our error in OpenAI's shape: {"error":{"message","type","param","code"}}, plus Azure's innererror. */
export function openAiErrorJson(error: GatewayError): JsonObject {
  const body: JsonObject = {
    message: error.message,
    type: ERROR_TABLE[error.code].openaiType,
    param: error.param ?? null,
    code: error.code,
  };
  if (error.detail !== undefined) Object.assign(body, error.detail);
  return { error: body };
}
