export { readRequestBody, readStreamBody, RequestBodyError, type BodyFailure } from "./read-request-body.js";
export { pathOf } from "./request-path.js";
