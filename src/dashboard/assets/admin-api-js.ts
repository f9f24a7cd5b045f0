/**
 * The browser's AdminService client, served at `/dashboard/admin-api.js`: Connect's JSON protocol
 * is one `fetch` POST per call, so no generated client or bundler is needed.
 *
 * Kept as a string (String.raw, so escapes stay as written) because the build compiles only
 * TypeScript; it must contain no backtick and no dollar-brace.
 */
export const ADMIN_API_JS = String.raw`// AdminService over Connect's JSON protocol: a POST per call, nothing more. The browser adds the
// Basic credentials it signed in with; the key never appears in a URL or in the page.

const SERVICE = "/tensorwall.v1.AdminService/";
const TIMEOUT_MS = 10000;

export class AdminError extends Error {
  constructor(code, message, status) {
    super(message);
    this.name = "AdminError";
    this.code = code;
    this.status = status;
  }
}

/** Calls one AdminService method with a JSON request; resolves to the JSON response. */
export async function callAdmin(method, request) {
  let response;
  try {
    response = await fetch(SERVICE + method, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "connect-protocol-version": "1",
        "connect-timeout-ms": String(TIMEOUT_MS),
      },
      body: JSON.stringify(request ?? {}),
      credentials: "same-origin",
      cache: "no-store",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new AdminError("unavailable", "The gateway did not answer (" + error.message + ").", 0);
  }
  const text = await response.text();
  let body;
  try {
    body = text === "" ? {} : JSON.parse(text);
  } catch {
    throw new AdminError("unknown", "The gateway answered HTTP " + response.status + " with something other than JSON.", response.status);
  }
  if (!response.ok) {
    throw new AdminError(body.code ?? "unknown", body.message ?? "HTTP " + response.status, response.status);
  }
  return body;
}
`;
