import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/gateway-harness.js";

function basic(password: string): string {
  return `Basic ${Buffer.from(`operator:${password}`).toString("base64")}`;
}

const hello = JSON.stringify({ model: "azure/gpt-4o", messages: [{ role: "user", content: "Hello" }] });

describe("the admin key as Basic credentials, on a live gateway", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());

  it("challenges GET / without credentials and serves the page with them", async () => {
    const anonymous = await fetch(`${gw.url}/`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe('Basic realm="TensorWall", charset="UTF-8"');
    const signedIn = await fetch(`${gw.url}/`, { headers: { authorization: basic(gw.adminKey) } });
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(signedIn.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(signedIn.headers.get("x-frame-options")).toBe("DENY");
    expect(signedIn.headers.get("x-content-type-options")).toBe("nosniff");
    expect(signedIn.headers.get("cache-control")).toBe("no-store");
    expect(await signedIn.text()).not.toContain(gw.adminKey);
  });

  it("challenges a client key at GET /", async () => {
    const client = await gw.createKey();
    const response = await fetch(`${gw.url}/`, { headers: { authorization: basic(client.secret) } });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Basic /);
  });

  it("answers other methods on / with method_not_allowed", async () => {
    const response = await fetch(`${gw.url}/`, { method: "POST", headers: { authorization: basic(gw.adminKey) } });
    expect(response.status).toBe(405);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("method_not_allowed");
  });

  it("accepts Basic credentials on the page's own AdminService calls over Connect JSON", async () => {
    const call = (headers: Record<string, string>) =>
      fetch(`${gw.url}/tensorwall.v1.AdminService/ListKeys`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: basic(gw.adminKey), ...headers },
        body: "{}",
      });
    const sameOrigin = await call({ "sec-fetch-site": "same-origin" });
    expect(sameOrigin.status).toBe(200);
    expect(((await sameOrigin.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
    const crossSite = await call({ "sec-fetch-site": "cross-site" });
    expect(crossSite.status).toBe(401);
    expect(((await crossSite.json()) as { code: string }).code).toBe("unauthenticated");
  });

  it("accepts Basic credentials for chat from a non-browser client, as curl -u sends them", async () => {
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: basic(gw.adminKey) },
      body: hello,
    });
    expect(response.status).toBe(200);
  });

  it("refuses Basic credentials on a chat request another site started", async () => {
    const before = gw.fake.requests.length;
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "text/plain", authorization: basic(gw.adminKey), "sec-fetch-site": "cross-site" },
      body: hello,
    });
    expect(response.status).toBe(401);
    expect(gw.fake.requests.length).toBe(before);
    expect(gw.unexpectedErrors).toEqual([]);
  });
});
