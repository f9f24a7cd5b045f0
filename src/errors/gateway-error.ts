import type { JsonObject } from "@bufbuild/protobuf";
import { ERROR_TABLE, type ErrorCode } from "./error-table.js";

export interface GatewayErrorOptions {
  /** The request parameter at fault, as OpenAI names it (e.g. "messages[0].role"). */
  param?: string;
  /** How long the caller should wait before retrying, in milliseconds. */
  retryAfterMs?: number;
  /**
   * Extra structured detail that is safe to show the caller, e.g. Azure's content-filter result.
   * Never secrets.
   */
  detail?: JsonObject;
  /** The underlying cause, for logs only: it is never sent to the caller. */
  cause?: unknown;
}

/** The one error type TensorWall throws; each door translates it into its own protocol. */
export class GatewayError extends Error {
  override readonly name = "GatewayError";
  readonly code: ErrorCode;
  readonly param: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly detail: JsonObject | undefined;

  constructor(code: ErrorCode, message?: string, options: GatewayErrorOptions = {}) {
    super(message ?? ERROR_TABLE[code].defaultMessage, { cause: options.cause });
    this.code = code;
    this.param = options.param;
    this.retryAfterMs = options.retryAfterMs;
    this.detail = options.detail;
  }

  get httpStatus(): number {
    return ERROR_TABLE[this.code].httpStatus;
  }
}

/**
 * Anything thrown becomes a GatewayError. Errors we did not make are reported as internal without
 * their message, which may hold details the caller must not see.
 */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError("internal_error", undefined, { cause: error });
}
