import { describe, expect, it } from "vitest";
import { azureResponseError, type AzureErrorResponse } from "../../src/azure/azure-error.js";

const NOW = Date.parse("2025-01-01T00:00:00Z");
const options = { maxRetryAfterMs: 60_000, nowMs: NOW };

function map(response: Partial<AzureErrorResponse> & { status: number }) {
  return azureResponseError({ body: undefined, headers: {}, deployment: "gpt-4o", ...response }, options);
}

const contentFilterResult = {
  hate: { filtered: false, severity: "safe" },
  violence: { filtered: true, severity: "medium" },
};

describe("azureResponseError", () => {
  it("maps a 400 content_filter to content_filter with Azure's message and innererror", () => {
    const innererror = { code: "ResponsibleAIPolicyViolation", content_filter_result: contentFilterResult };
    const error = map({
      status: 400,
      body: { error: { code: "content_filter", message: "The response was filtered", param: "prompt", status: 400, innererror } },
    });
    expect(error.code).toBe("content_filter");
    expect(error.message).toBe("The response was filtered");
    expect(error.detail).toEqual({ innererror });
  });

  it("recognises a content filter marked only in innererror", () => {
    const innererror = { code: "ResponsibleAIPolicyViolation", content_filter_result: contentFilterResult };
    expect(map({ status: 400, body: { error: { code: "BadRequest", message: "m", innererror } } }).code).toBe("content_filter");
  });

  it("maps another 400 to upstream_bad_request with Azure's message and param", () => {
    const error = map({
      status: 400,
      body: { error: { message: "Invalid value for 'temperature'.", type: "invalid_request_error", param: "temperature", code: "invalid_value" } },
    });
    expect(error.code).toBe("upstream_bad_request");
    expect(error.message).toBe("Invalid value for 'temperature'.");
    expect(error.param).toBe("temperature");
  });

  it("gives a 400 without a readable body the default message and no param", () => {
    const error = map({ status: 400, body: "<html>bad</html>" });
    expect(error.code).toBe("upstream_bad_request");
    expect(error.message).toBe("Azure OpenAI rejected the request.");
    expect(error.param).toBeUndefined();
  });

  it("maps 401 and 403 to upstream_auth_failed without Azure's text", () => {
    for (const status of [401, 403]) {
      const error = map({ status, body: { error: { code: "401", message: "Access denied due to invalid subscription key" } } });
      expect(error.code).toBe("upstream_auth_failed");
      expect(error.message).not.toMatch(/subscription key/);
    }
  });

  it("maps any 404 to deployment_not_found naming the deployment", () => {
    for (const body of [{ error: { code: "DeploymentNotFound", message: "The API deployment for this resource does not exist." } }, undefined]) {
      const error = map({ status: 404, body, deployment: "my-gpt4o" });
      expect(error.code).toBe("deployment_not_found");
      expect(error.message).toContain('"my-gpt4o"');
    }
  });

  it("maps 429 to upstream_rate_limited with retry-after-ms, else Retry-After, else 1000 ms", () => {
    expect(map({ status: 429, headers: { "retry-after-ms": "1500.5", "retry-after": "2" } }).retryAfterMs).toBe(1501);
    expect(map({ status: 429, headers: { "retry-after": "2" } }).retryAfterMs).toBe(2000);
    expect(map({ status: 429, headers: { "retry-after": "Wed, 01 Jan 2025 00:00:05 GMT" } }).retryAfterMs).toBe(5000);
    const bare = map({ status: 429 });
    expect(bare.code).toBe("upstream_rate_limited");
    expect(bare.retryAfterMs).toBe(1000);
  });

  it("clamps a 429's day-long Retry-After to maxRetryAfterMs", () => {
    expect(map({ status: 429, headers: { "retry-after": "86400" } }).retryAfterMs).toBe(60_000);
    const tight = azureResponseError(
      { status: 429, body: undefined, headers: {}, deployment: "d" },
      { maxRetryAfterMs: 200, nowMs: NOW },
    );
    expect(tight.retryAfterMs).toBe(200);
  });

  it("maps 408 and 5xx to upstream_error, keeping a Retry-After only when sent", () => {
    for (const status of [408, 500, 502, 503, 504]) {
      const error = map({ status, body: { error: { code: "InternalServerError", message: "secret-ish internals" } } });
      expect(error.code).toBe("upstream_error");
      expect(error.message).not.toContain("internals");
      expect(error.retryAfterMs).toBeUndefined();
    }
    expect(map({ status: 503, headers: { "retry-after": "10" } }).retryAfterMs).toBe(10_000);
  });

  it("maps redirects and unexpected statuses to upstream_error", () => {
    expect(map({ status: 302 }).code).toBe("upstream_error");
    expect(map({ status: 302 }).message).toMatch(/redirect/);
    for (const status of [200, 304, 405, 409, 413, 418, 422]) {
      expect(map({ status }).code).toBe("upstream_error");
    }
  });

  it("keeps Azure's status and body in cause, for logs", () => {
    const body = { error: { code: "InternalServerError", message: "m" } };
    expect(map({ status: 500, body }).cause).toEqual({ status: 500, body });
  });

  it("reads API Management's {statusCode, message} body too", () => {
    const error = map({ status: 400, body: { statusCode: 400, message: "Request body too large." } });
    expect(error.message).toBe("Request body too large.");
  });
});
