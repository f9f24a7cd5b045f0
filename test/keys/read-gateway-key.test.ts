import type { IncomingHttpHeaders } from "node:http";
import { describe, expect, it } from "vitest";
import { readGatewayKey } from "../../src/keys/index.js";

function fromFetch(init: Record<string, string>): string | undefined {
  const headers = new Headers(init);
  return readGatewayKey((n) => headers.get(n));
}

describe("readGatewayKey", () => {
  it("returns undefined when no key header is present", () => {
    expect(fromFetch({ "content-type": "application/json" })).toBeUndefined();
  });

  it("reads X-API-Key", () => {
    expect(fromFetch({ "X-API-Key": "gw_x" })).toBe("gw_x");
  });

  it("reads a Bearer token whatever the scheme's case", () => {
    expect(fromFetch({ Authorization: "Bearer gw_b" })).toBe("gw_b");
    expect(fromFetch({ Authorization: "bearer gw_b" })).toBe("gw_b");
    expect(fromFetch({ Authorization: "BEARER   gw_b  " })).toBe("gw_b");
  });

  it("reads api-key, as Azure SDKs send it", () => {
    expect(fromFetch({ "api-key": "gw_a" })).toBe("gw_a");
  });

  it("prefers X-API-Key over Authorization over api-key", () => {
    const all = { "x-api-key": "gw_x", authorization: "Bearer gw_b", "api-key": "gw_a" };
    expect(fromFetch(all)).toBe("gw_x");
    expect(fromFetch({ authorization: "Bearer gw_b", "api-key": "gw_a" })).toBe("gw_b");
  });

  it("skips an Authorization header with another scheme or no token", () => {
    expect(fromFetch({ authorization: "Basic dXNlcjpwYXNz" })).toBeUndefined();
    expect(fromFetch({ authorization: "Basic dXNlcjpwYXNz", "api-key": "gw_a" })).toBe("gw_a");
    expect(fromFetch({ authorization: "Bearer ", "api-key": "gw_a" })).toBe("gw_a");
    expect(fromFetch({ authorization: "Bearergw_b" })).toBeUndefined();
  });

  it("skips an empty X-API-Key", () => {
    expect(fromFetch({ "x-api-key": "  ", authorization: "Bearer gw_b" })).toBe("gw_b");
  });

  it("works with Node's IncomingHttpHeaders", () => {
    const headers: IncomingHttpHeaders = { authorization: "Bearer gw_node" };
    expect(readGatewayKey((n) => headers[n])).toBe("gw_node");
  });

  it("joins a repeated header so two keys read as one malformed value", () => {
    const headers: Record<string, string[]> = { "x-api-key": ["gw_one", "gw_two"] };
    expect(readGatewayKey((n) => headers[n])).toBe("gw_one, gw_two");
  });
});
