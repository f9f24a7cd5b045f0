import { Code } from "@connectrpc/connect";

/** How one gateway error code reads in each protocol TensorWall speaks. */
export interface ErrorDefinition {
  /** HTTP status on the REST bridge. */
  readonly httpStatus: number;
  /** Code on Connect, gRPC and gRPC-Web. */
  readonly connectCode: Code;
  /** OpenAI's `error.type` on the REST bridge. */
  readonly openaiType: string;
  /** The message used when the thrower gives none. */
  readonly defaultMessage: string;
}

/**
 * Every error TensorWall answers with. The README's error table is checked against this one by a
 * test, so a change here needs a change there.
 */
export const ERROR_TABLE = {
  invalid_json: {
    httpStatus: 400,
    connectCode: Code.InvalidArgument,
    openaiType: "invalid_request_error",
    defaultMessage: "The request body is not valid JSON.",
  },
  invalid_request: {
    httpStatus: 400,
    connectCode: Code.InvalidArgument,
    openaiType: "invalid_request_error",
    defaultMessage: "The request is invalid.",
  },
  model_not_found: {
    httpStatus: 400,
    connectCode: Code.InvalidArgument,
    openaiType: "invalid_request_error",
    defaultMessage: "The model does not exist on this gateway.",
  },
  invalid_endpoint: {
    httpStatus: 400,
    connectCode: Code.InvalidArgument,
    openaiType: "invalid_request_error",
    defaultMessage: "X-Azure-Endpoint is not a valid endpoint URL.",
  },
  content_filter: {
    httpStatus: 400,
    connectCode: Code.InvalidArgument,
    openaiType: "invalid_request_error",
    defaultMessage: "The prompt was filtered by Azure's content management policy.",
  },
  upstream_bad_request: {
    httpStatus: 400,
    connectCode: Code.InvalidArgument,
    openaiType: "invalid_request_error",
    defaultMessage: "Azure OpenAI rejected the request.",
  },
  missing_api_key: {
    httpStatus: 401,
    connectCode: Code.Unauthenticated,
    openaiType: "invalid_request_error",
    defaultMessage:
      "No gateway key was provided. Send it as 'Authorization: Bearer gw_…', 'X-API-Key' or 'api-key'.",
  },
  invalid_api_key: {
    httpStatus: 401,
    connectCode: Code.Unauthenticated,
    openaiType: "invalid_request_error",
    defaultMessage: "The gateway key is invalid or revoked.",
  },
  permission_denied: {
    httpStatus: 403,
    connectCode: Code.PermissionDenied,
    openaiType: "permission_error",
    defaultMessage: "This gateway key is not allowed to do that.",
  },
  endpoint_not_allowed: {
    httpStatus: 403,
    connectCode: Code.PermissionDenied,
    openaiType: "permission_error",
    defaultMessage: "X-Azure-Endpoint is not on the gateway's endpoint allowlist.",
  },
  not_found: {
    httpStatus: 404,
    connectCode: Code.NotFound,
    openaiType: "invalid_request_error",
    defaultMessage: "Not found.",
  },
  deployment_not_found: {
    httpStatus: 404,
    connectCode: Code.NotFound,
    openaiType: "invalid_request_error",
    defaultMessage: "The Azure deployment does not exist.",
  },
  method_not_allowed: {
    httpStatus: 405,
    connectCode: Code.Unimplemented,
    openaiType: "invalid_request_error",
    defaultMessage: "Method not allowed.",
  },
  request_too_large: {
    httpStatus: 413,
    connectCode: Code.ResourceExhausted,
    openaiType: "invalid_request_error",
    defaultMessage: "The request body is larger than the gateway accepts.",
  },
  rate_limit_exceeded: {
    httpStatus: 429,
    connectCode: Code.ResourceExhausted,
    openaiType: "requests",
    defaultMessage: "Rate limit exceeded. Retry after the time in Retry-After.",
  },
  insufficient_quota: {
    httpStatus: 429,
    connectCode: Code.ResourceExhausted,
    openaiType: "insufficient_quota",
    defaultMessage: "This key's budget for the current period is spent.",
  },
  upstream_rate_limited: {
    httpStatus: 429,
    connectCode: Code.ResourceExhausted,
    openaiType: "requests",
    defaultMessage: "Azure OpenAI is rate limiting every deployment that could serve this request.",
  },
  request_canceled: {
    httpStatus: 499,
    connectCode: Code.Canceled,
    openaiType: "invalid_request_error",
    defaultMessage: "The caller canceled the request.",
  },
  internal_error: {
    httpStatus: 500,
    connectCode: Code.Internal,
    openaiType: "server_error",
    defaultMessage: "The gateway failed to process the request.",
  },
  upstream_auth_failed: {
    httpStatus: 502,
    connectCode: Code.FailedPrecondition,
    openaiType: "server_error",
    defaultMessage:
      "Azure OpenAI rejected the gateway's own credentials for this deployment; the gateway key was fine.",
  },
  upstream_error: {
    httpStatus: 502,
    connectCode: Code.Unavailable,
    openaiType: "server_error",
    defaultMessage: "Azure OpenAI failed to answer.",
  },
  upstream_unavailable: {
    httpStatus: 503,
    connectCode: Code.Unavailable,
    openaiType: "server_error",
    defaultMessage: "Azure OpenAI could not be reached.",
  },
  upstream_timeout: {
    httpStatus: 504,
    connectCode: Code.DeadlineExceeded,
    openaiType: "server_error",
    defaultMessage: "Azure OpenAI did not answer in time.",
  },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERROR_TABLE;
