/**
 * Reads one request header by lowercase name. Fits Fetch `Headers` (`(n) => headers.get(n)`) and
 * Node's `IncomingHttpHeaders` (`(n) => req.headers[n]`).
 */
export type HeaderGetter = (name: string) => string | readonly string[] | undefined | null;

const BEARER = /^bearer\s+(\S.*)$/i;

/**
 * The gateway key a request presents, or undefined. Checked in order: `x-api-key`, then
 * `authorization: Bearer …` (what OpenAI SDKs send), then `api-key` (what Azure SDKs send). A
 * header that is present but empty, or an Authorization scheme other than Bearer, is skipped.
 */
export function readGatewayKey(get: HeaderGetter): string | undefined {
  const xApiKey = headerValue(get("x-api-key"));
  if (xApiKey !== undefined) return xApiKey;
  const authorization = headerValue(get("authorization"));
  const bearer = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1]?.trim();
  if (bearer !== undefined && bearer !== "") return bearer;
  return headerValue(get("api-key"));
}

function headerValue(raw: string | readonly string[] | undefined | null): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  // Repeated headers are joined the way Fetch joins them, so two keys read as one malformed key
  // rather than one of them being picked silently.
  const value = (typeof raw === "string" ? raw : raw.join(", ")).trim();
  return value === "" ? undefined : value;
}
