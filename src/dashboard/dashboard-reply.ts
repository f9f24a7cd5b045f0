import type { OutgoingHttpHeaders } from "node:http";
import { GatewayError } from "../errors/index.js";
import { readGatewayKey, type HeaderGetter, type KeyRegistry } from "../keys/index.js";
import { DASHBOARD_ASSETS } from "./dashboard-assets.js";

/** A whole HTTP answer, for the door to write. */
export interface DashboardReply {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: string;
}

/**
 * Sent with every dashboard answer. The policy allows only this origin's own files and calls (no
 * inline script or style, no framing), and nothing is cached: the page is an admin's view.
 */
const SECURITY_HEADERS: Readonly<OutgoingHttpHeaders> = {
  "content-security-policy": "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

/** Asks the browser for credentials: any user name, the admin gateway key as the password. */
const CHALLENGE = 'Basic realm="TensorWall", charset="UTF-8"';

/** Whether a path belongs to the dashboard. */
export function isDashboardPath(path: string): boolean {
  return DASHBOARD_ASSETS.has(path);
}

/**
 * The answer to `GET path` for a dashboard path. The page needs an admin key, which a browser
 * sends as Basic credentials after the 401 challenge and then on the page's own calls; without
 * one, or with a key that is not an admin's, the answer is that challenge again so the browser
 * asks anew.
 */
export async function dashboardReply(
  path: string,
  keys: Pick<KeyRegistry, "authenticate">,
  header: HeaderGetter,
): Promise<DashboardReply> {
  const asset = DASHBOARD_ASSETS.get(path);
  if (asset === undefined) throw new GatewayError("not_found", `No dashboard file at ${path}.`);
  if (asset.adminOnly) {
    const refusal = await refusalUnlessAdmin(keys, header);
    if (refusal !== undefined) return refusal;
  }
  return {
    status: 200,
    headers: { ...SECURITY_HEADERS, "content-type": asset.contentType, "content-length": Buffer.byteLength(asset.body) },
    body: asset.body,
  };
}

async function refusalUnlessAdmin(keys: Pick<KeyRegistry, "authenticate">, header: HeaderGetter): Promise<DashboardReply | undefined> {
  try {
    // Loading the page changes nothing and another site cannot read or frame it, so Basic
    // credentials count here even when a link on another site led to it.
    const principal = await keys.authenticate(readGatewayKey(header, { crossSiteBasic: true }));
    if (principal.role === "admin") return undefined;
    return challenge("This gateway key is not an admin key. Sign in with an admin key as the password.");
  } catch (error) {
    if (error instanceof GatewayError && (error.code === "missing_api_key" || error.code === "invalid_api_key")) {
      return challenge("The TensorWall dashboard needs an admin key: sign in with any user name and the admin gateway key as the password.");
    }
    throw error;
  }
}

function challenge(message: string): DashboardReply {
  const body = `${message}\n`;
  return {
    status: 401,
    headers: {
      ...SECURITY_HEADERS,
      "www-authenticate": CHALLENGE,
      "content-type": "text/plain; charset=utf-8",
      "content-length": Buffer.byteLength(body),
    },
    body,
  };
}
