import { describe, expect, it } from "vitest";
import { DEFAULT_ALLOWED_ENDPOINTS, EndpointAllowlist } from "../../src/azure/index.js";
import { GatewayError } from "../../src/errors/index.js";
import type { ErrorCode } from "../../src/errors/index.js";

function refusal(allowlist: EndpointAllowlist, url: string): ErrorCode {
  try {
    allowlist.check(url);
  } catch (error) {
    if (error instanceof GatewayError) return error.code;
    throw error;
  }
  throw new Error(`${url} was allowed`);
}

describe("EndpointAllowlist", () => {
  const defaults = new EndpointAllowlist();

  it("allows Azure's three endpoint families by default and returns the normalised origin", () => {
    expect(DEFAULT_ALLOWED_ENDPOINTS).toHaveLength(3);
    expect(defaults.check("https://contoso.openai.azure.com")).toBe("https://contoso.openai.azure.com");
    expect(defaults.check("https://Contoso.OpenAI.Azure.com:443/")).toBe("https://contoso.openai.azure.com");
    expect(defaults.check("https://contoso.cognitiveservices.azure.com/")).toBe("https://contoso.cognitiveservices.azure.com");
    expect(defaults.check("https://contoso.services.ai.azure.com")).toBe("https://contoso.services.ai.azure.com");
  });

  it("lets * match exactly one DNS label", () => {
    expect(refusal(defaults, "https://openai.azure.com")).toBe("endpoint_not_allowed");
    expect(refusal(defaults, "https://a.b.openai.azure.com")).toBe("endpoint_not_allowed");
    expect(refusal(defaults, "https://contoso.openai.azure.com.evil.com")).toBe("endpoint_not_allowed");
    expect(refusal(defaults, "https://contoso-openai.azure.com")).toBe("endpoint_not_allowed");
    expect(refusal(defaults, "https://contoso.openai.azure.com.")).toBe("endpoint_not_allowed");
  });

  it("refuses plain http and other ports for https patterns", () => {
    expect(refusal(defaults, "http://contoso.openai.azure.com")).toBe("endpoint_not_allowed");
    expect(refusal(defaults, "https://contoso.openai.azure.com:8443")).toBe("endpoint_not_allowed");
  });

  it("refuses IP literals unless a pattern names them exactly", () => {
    expect(refusal(defaults, "https://127.0.0.1")).toBe("endpoint_not_allowed");
    expect(refusal(defaults, "https://[::1]")).toBe("endpoint_not_allowed");
    const withLoopback = new EndpointAllowlist(["http://127.0.0.1:8080", "http://[::1]:8080"]);
    expect(withLoopback.check("http://127.0.0.1:8080")).toBe("http://127.0.0.1:8080");
    expect(withLoopback.check("http://[::1]:8080/")).toBe("http://[::1]:8080");
    // The URL parser's other spellings of 127.0.0.1 are the same address, and the port must match.
    expect(withLoopback.check("http://127.1:8080")).toBe("http://127.0.0.1:8080");
    expect(refusal(withLoopback, "http://127.0.0.1:8081")).toBe("endpoint_not_allowed");
    expect(refusal(withLoopback, "https://127.0.0.1:8080")).toBe("endpoint_not_allowed");
  });

  it("never lets a wildcard match an IP address", () => {
    const allowlist = new EndpointAllowlist(["https://*.example.com"], { includeDefaults: false });
    expect(allowlist.check("https://a.example.com")).toBe("https://a.example.com");
    expect(refusal(allowlist, "https://1.2.3.4")).toBe("endpoint_not_allowed");
  });

  it("adds operator patterns to the defaults unless told otherwise", () => {
    const both = new EndpointAllowlist(["https://llm.contoso.internal:8443"]);
    expect(both.check("https://llm.contoso.internal:8443")).toBe("https://llm.contoso.internal:8443");
    expect(both.check("https://x.openai.azure.com")).toBe("https://x.openai.azure.com");
    const only = new EndpointAllowlist(["https://llm.contoso.internal:8443"], { includeDefaults: false });
    expect(refusal(only, "https://x.openai.azure.com")).toBe("endpoint_not_allowed");
  });

  it("rejects as invalid_endpoint anything that is not a bare origin", () => {
    for (const url of [
      "not a url",
      "contoso.openai.azure.com",
      "ftp://contoso.openai.azure.com",
      "https://user:pass@contoso.openai.azure.com",
      "https://@contoso.openai.azure.com",
      "https://contoso.openai.azure.com/openai",
      "https://contoso.openai.azure.com//",
      "https://contoso.openai.azure.com/?x=1",
      "https://contoso.openai.azure.com?",
      "https://contoso.openai.azure.com/#frag",
      "https://contoso.openai.azure.com#",
    ]) {
      expect(refusal(defaults, url), url).toBe("invalid_endpoint");
    }
  });

  it("never repeats credentials from the URL in its message", () => {
    try {
      defaults.check("https://user:hunter2@contoso.openai.azure.com");
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain("hunter2");
    }
  });

  it("throws a plain Error naming a malformed pattern", () => {
    for (const pattern of [
      "not a url",
      "ftp://x.example.com",
      "https://x.example.com/path",
      "https://x.example.com?q",
      "https://user@x.example.com",
      "https://a*.example.com",
      "https://*.*.example.com",
      "https://x.*.example.com",
      "https://*.com",
      "http://*.example.com",
    ]) {
      const build = (): EndpointAllowlist => new EndpointAllowlist([pattern]);
      expect(build, pattern).toThrow(pattern);
      try {
        build();
      } catch (error) {
        expect(error).not.toBeInstanceOf(GatewayError);
      }
    }
  });
});
