import { describe, expect, it } from "vitest";
import { errors } from "undici";
import { networkError } from "../../src/azure/network-error.js";
import { GatewayError } from "../../src/errors/index.js";

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 10.0.0.1:443 api-key=should-not-leak`), { code });
}

describe("networkError", () => {
  it("maps connection failures before the response to upstream_unavailable", () => {
    const causes = [
      ...["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN"].map(systemError),
      new errors.SocketError("other side closed"),
      new errors.ConnectTimeoutError(),
    ];
    for (const cause of causes) {
      const error = networkError(cause, "awaiting_response");
      expect(error.code).toBe("upstream_unavailable");
      expect(error.cause).toBe(cause);
      expect(error.message).not.toContain("should-not-leak");
      expect(error.message).not.toContain("10.0.0.1");
    }
  });

  it("maps the same failures after the response began to upstream_error", () => {
    expect(networkError(new errors.SocketError("other side closed"), "reading_body").code).toBe("upstream_error");
    expect(networkError(systemError("ECONNRESET"), "reading_body").code).toBe("upstream_error");
  });

  it("maps header and body timeouts to upstream_timeout", () => {
    expect(networkError(new errors.HeadersTimeoutError(), "awaiting_response").code).toBe("upstream_timeout");
    expect(networkError(new errors.BodyTimeoutError(), "reading_body").code).toBe("upstream_timeout");
  });

  it("finds a code one level down the cause chain", () => {
    const wrapped = new Error("fetch failed", { cause: systemError("ECONNREFUSED") });
    expect(networkError(wrapped, "awaiting_response").code).toBe("upstream_unavailable");
  });

  it("maps anything else to upstream_error and passes GatewayErrors through", () => {
    expect(networkError(new Error("weird"), "awaiting_response").code).toBe("upstream_error");
    expect(networkError("not even an error", "reading_body").code).toBe("upstream_error");
    const original = new GatewayError("content_filter");
    expect(networkError(original, "reading_body")).toBe(original);
  });
});
