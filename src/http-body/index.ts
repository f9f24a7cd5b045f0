export { readRequestBody, RequestBodyError, type BodyFailure } from "./read-request-body.js";
