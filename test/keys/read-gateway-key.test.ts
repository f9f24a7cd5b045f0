import type { IncomingHttpHeaders } from "node:http";
import { describe, expect, it } from "vitest";
import { readGatewayKey } from "../../src/keys/index.js";

function fromFetch(init: Record<string, string>): string | undefined {
  const headers = new Headers(init);
  return readGatewayKey((n) => headers.get(n));
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
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
    expect(fromFetch({ authorization: "Digest username=\"gw_d\"" })).toBeUndefined();
    expect(fromFetch({ authorization: "Token gw_t", "api-key": "gw_a" })).toBe("gw_a");
    expect(fromFetch({ authorization: "Bearer ", "api-key": "gw_a" })).toBe("gw_a");
    expect(fromFetch({ authorization: "Bearergw_b" })).toBeUndefined();
  });

  it("reads the password of Basic credentials as the key, ignoring the user name", () => {
    expect(fromFetch({ authorization: basic("admin", "gw_p") })).toBe("gw_p");
    expect(fromFetch({ authorization: basic("", "gw_p") })).toBe("gw_p");
    expect(fromFetch({ authorization: `basic ${btoa("x:gw_p")}` })).toBe("gw_p");
  });

  it("keeps everything after the first colon of Basic credentials as the password", () => {
    expect(fromFetch({ authorization: basic("admin", "gw:with:colons") })).toBe("gw:with:colons");
  });

  it("skips Basic credentials with no password, no colon or invalid base64", () => {
    expect(fromFetch({ authorization: basic("gw_user", ""), "api-key": "gw_a" })).toBe("gw_a");
    expect(fromFetch({ authorization: `Basic ${btoa("gw_nocolon")}` })).toBeUndefined();
    expect(fromFetch({ authorization: "Basic not*base64" })).toBeUndefined();
  });

  it("ranks Basic where Bearer ranks: after X-API-Key, before api-key", () => {
    expect(fromFetch({ "x-api-key": "gw_x", authorization: basic("u", "gw_p") })).toBe("gw_x");
    expect(fromFetch({ authorization: basic("u", "gw_p"), "api-key": "gw_a" })).toBe("gw_p");
  });

  it("skips Basic credentials a browser attached to a request another site started", () => {
    const remembered = { authorization: basic("admin", "gw_p") };
    expect(fromFetch({ ...remembered, "sec-fetch-site": "cross-site" })).toBeUndefined();
    expect(fromFetch({ ...remembered, "sec-fetch-site": "same-site" })).toBeUndefined();
    expect(fromFetch({ ...remembered, "sec-fetch-site": "same-origin" })).toBe("gw_p");
    expect(fromFetch({ ...remembered, "sec-fetch-site": "none" })).toBe("gw_p");
  });

  it("still reads Bearer and api-key on a cross-site request, since a browser never adds them on its own", () => {
    expect(fromFetch({ authorization: "Bearer gw_b", "sec-fetch-site": "cross-site" })).toBe("gw_b");
    expect(fromFetch({ "api-key": "gw_a", "sec-fetch-site": "cross-site" })).toBe("gw_a");
  });

  it("reads cross-site Basic credentials when the caller allows it", () => {
    const headers = new Headers({ authorization: basic("admin", "gw_p"), "sec-fetch-site": "cross-site" });
    expect(readGatewayKey((n) => headers.get(n), { crossSiteBasic: true })).toBe("gw_p");
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
