import { describe, expect, it } from "vitest";
import { DASHBOARD_ASSETS, dashboardReply, isDashboardPath } from "../../src/dashboard/index.js";
import { GatewayError } from "../../src/errors/index.js";
import type { Principal } from "../../src/keys/index.js";

const ADMIN_SECRET = "gw_admin";
const CLIENT_SECRET = "gw_client";

/** A registry that knows one admin and one client key, and refuses everything else as the real one does. */
const keys = {
  async authenticate(secret: string | undefined): Promise<Principal> {
    if (secret === undefined) throw new GatewayError("missing_api_key");
    if (secret !== ADMIN_SECRET && secret !== CLIENT_SECRET) throw new GatewayError("invalid_api_key");
    const role = secret === ADMIN_SECRET ? "admin" : "client";
    return { keyId: role, name: role, role, allowedModels: [], limits: {} };
  },
};

function basic(password: string): string {
  return `Basic ${Buffer.from(`operator:${password}`).toString("base64")}`;
}

function page(headers: Record<string, string> = {}) {
  const fetchHeaders = new Headers(headers);
  return dashboardReply("/", keys, (name) => fetchHeaders.get(name));
}

const SECURITY_HEADERS = {
  "content-security-policy": expect.stringMatching(/^default-src 'self';.*frame-ancestors 'none'/),
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
};

describe("dashboardReply", () => {
  it("answers a request without a key with a Basic challenge", async () => {
    const reply = await page();
    expect(reply.status).toBe(401);
    expect(reply.headers).toMatchObject({ "www-authenticate": 'Basic realm="TensorWall", charset="UTF-8"', ...SECURITY_HEADERS });
    expect(reply.body).toContain("admin gateway key as the password");
  });

  it("challenges again for a key it does not know, so the browser asks anew", async () => {
    const reply = await page({ authorization: basic("gw_wrong") });
    expect(reply.status).toBe(401);
    expect(reply.headers["www-authenticate"]).toBe('Basic realm="TensorWall", charset="UTF-8"');
  });

  it("challenges again for a key without the admin role", async () => {
    const reply = await page({ authorization: basic(CLIENT_SECRET) });
    expect(reply.status).toBe(401);
    expect(reply.body).toContain("not an admin key");
  });

  it("serves the page for an admin key sent as the Basic password, with the security headers", async () => {
    const reply = await page({ authorization: basic(ADMIN_SECRET) });
    expect(reply.status).toBe(200);
    expect(reply.headers).toMatchObject({ "content-type": "text/html; charset=utf-8", ...SECURITY_HEADERS });
    expect(reply.headers["content-length"]).toBe(Buffer.byteLength(reply.body));
    expect(reply.body).toContain('<script type="module" src="/dashboard/app.js"></script>');
  });

  it("serves the page when a link on another site led to it, since loading it changes nothing", async () => {
    const reply = await page({ authorization: basic(ADMIN_SECRET), "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" });
    expect(reply.status).toBe(200);
  });

  it("accepts the admin key the way API callers send it too", async () => {
    expect((await page({ authorization: `Bearer ${ADMIN_SECRET}` })).status).toBe(200);
    expect((await page({ "x-api-key": ADMIN_SECRET })).status).toBe(200);
  });

  it("lets a failure other than a refused key through instead of challenging", async () => {
    const broken = { authenticate: () => Promise.reject(new GatewayError("internal_error", "store down")) };
    await expect(dashboardReply("/", broken, (name) => (name === "authorization" ? basic(ADMIN_SECRET) : undefined))).rejects.toMatchObject({ code: "internal_error" });
  });

  it("serves the scripts, stylesheet and icon without a key, each with its type and the security headers", async () => {
    const expected: Record<string, string> = {
      "/dashboard/app.js": "text/javascript; charset=utf-8",
      "/dashboard/admin-api.js": "text/javascript; charset=utf-8",
      "/dashboard/format.js": "text/javascript; charset=utf-8",
      "/dashboard/usage-chart.js": "text/javascript; charset=utf-8",
      "/dashboard/style.css": "text/css; charset=utf-8",
      "/dashboard/icon.svg": "image/svg+xml",
    };
    expect([...DASHBOARD_ASSETS.keys()].sort()).toEqual(["/", ...Object.keys(expected)].sort());
    for (const [path, contentType] of Object.entries(expected)) {
      const reply = await dashboardReply(path, keys, () => undefined);
      expect(reply.status, path).toBe(200);
      expect(reply.headers, path).toMatchObject({ "content-type": contentType, ...SECURITY_HEADERS });
      expect(reply.body.length, path).toBeGreaterThan(0);
    }
  });

  it("references only files it serves, so the policy has nothing to block", async () => {
    const html = (await page({ authorization: basic(ADMIN_SECRET) })).body;
    const referenced = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(referenced.length).toBeGreaterThan(0);
    for (const path of referenced) expect(isDashboardPath(path), path).toBe(true);
    // Inline script and style would be refused by default-src 'self'.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle="/);
    const modules = [...DASHBOARD_ASSETS].filter(([path]) => path.endsWith(".js"));
    for (const [path, asset] of modules) {
      for (const [, imported] of asset.body.matchAll(/from "\.\/([^"]+)"/g)) expect(isDashboardPath(`/dashboard/${imported}`), `${path} imports ${imported}`).toBe(true);
    }
  });

  it("knows only its own paths", async () => {
    expect(isDashboardPath("/")).toBe(true);
    expect(isDashboardPath("/dashboard/")).toBe(false);
    expect(isDashboardPath("/v1/models")).toBe(false);
    await expect(dashboardReply("/dashboard/secret.js", keys, () => undefined)).rejects.toMatchObject({ code: "not_found" });
  });
});
