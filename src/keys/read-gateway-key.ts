/**
 * Reads one request header by lowercase name. Fits Fetch `Headers` (`(n) => headers.get(n)`) and
 * Node's `IncomingHttpHeaders` (`(n) => req.headers[n]`).
 */
export type HeaderGetter = (name: string) => string | readonly string[] | undefined | null;

export interface ReadGatewayKeyOptions {
  /**
   * Accept Basic credentials on a request another site started (`Sec-Fetch-Site: cross-site` or
   * `same-site`) too. Only for answers that change nothing and that another site cannot read, such
   * as the dashboard page reached through a link. Default false.
   */
  readonly crossSiteBasic?: boolean;
}

const BEARER = /^bearer\s+(\S.*)$/i;
const BASIC = /^basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i;

/**
 * The gateway key a request presents, or undefined. Checked in order: `x-api-key`, then
 * `authorization: Bearer …` (what OpenAI SDKs send) or `Basic …` (what a browser sends for the
 * dashboard: the password is the key, the user name is ignored), then `api-key` (what Azure SDKs
 * send). A header that is present but empty, or an Authorization scheme or value that does not
 * carry a key, is skipped.
 *
 * A browser attaches Basic credentials it remembers to requests other sites make, form posts
 * included, so they are skipped on a request a browser marks as started by another site: otherwise
 * any page an admin visits could spend on their key (cross-site request forgery).
 */
export function readGatewayKey(get: HeaderGetter, options: ReadGatewayKeyOptions = {}): string | undefined {
  const xApiKey = headerValue(get("x-api-key"));
  if (xApiKey !== undefined) return xApiKey;
  const authorization = headerValue(get("authorization"));
  const fromAuthorization = authorization === undefined ? undefined : readAuthorization(authorization, get, options);
  if (fromAuthorization !== undefined) return fromAuthorization;
  return headerValue(get("api-key"));
}

function readAuthorization(authorization: string, get: HeaderGetter, options: ReadGatewayKeyOptions): string | undefined {
  const bearer = BEARER.exec(authorization)?.[1]?.trim();
  if (bearer !== undefined) return bearer === "" ? undefined : bearer;
  const basic = BASIC.exec(authorization)?.[1];
  if (basic === undefined) return undefined;
  if (options.crossSiteBasic !== true && startedByAnotherSite(get)) return undefined;
  // RFC 7617: base64 of "user-id:password"; the user id cannot contain a colon, the password can.
  const decoded = Buffer.from(basic, "base64").toString("utf8");
  const colonAt = decoded.indexOf(":");
  if (colonAt === -1) return undefined;
  const password = decoded.slice(colonAt + 1).trim();
  return password === "" ? undefined : password;
}

/** Fetch Metadata (sent by every current browser): `none` is a typed URL or bookmark. */
function startedByAnotherSite(get: HeaderGetter): boolean {
  const site = headerValue(get("sec-fetch-site"))?.toLowerCase();
  return site === "cross-site" || site === "same-site";
}

function headerValue(raw: string | readonly string[] | undefined | null): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  // Repeated headers are joined the way Fetch joins them, so two keys read as one malformed key
  // rather than one of them being picked silently.
  const value = (typeof raw === "string" ? raw : raw.join(", ")).trim();
  return value === "" ? undefined : value;
}
