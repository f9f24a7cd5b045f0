import { GatewayError } from "../errors/index.js";

/** Azure OpenAI's public endpoint families; `*` stands for the resource name. */
export const DEFAULT_ALLOWED_ENDPOINTS: readonly string[] = Object.freeze([
  "https://*.openai.azure.com",
  "https://*.cognitiveservices.azure.com",
  "https://*.services.ai.azure.com",
]);

export interface EndpointAllowlistOptions {
  /** Whether DEFAULT_ALLOWED_ENDPOINTS are allowed besides the operator's patterns. Default true. */
  includeDefaults?: boolean;
}

/** One parsed pattern: an exact host, or `*.` plus a suffix that must follow exactly one label. */
type Pattern =
  | { kind: "exact"; protocol: string; host: string; port: string }
  | { kind: "wildcard"; protocol: string; suffix: string; port: string };

const DEFAULT_PORTS: Readonly<Record<string, string>> = { "https:": "443", "http:": "80" };
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * Which Azure endpoints a caller may point the gateway at (X-Azure-Endpoint). Without this check a
 * caller could make the gateway send requests, and its credentials, anywhere.
 *
 * Patterns are `scheme://host[:port]`. A leftmost `*` label matches exactly one DNS label and never an
 * IP address; wildcards are https-only. Plain http and IP literals are only reachable through a
 * pattern that names them exactly (for example `http://127.0.0.1:8080` in tests).
 */
export class EndpointAllowlist {
  readonly #patterns: readonly Pattern[];

  /** Throws a plain Error naming the first malformed pattern. */
  constructor(operatorPatterns: readonly string[] = [], options: EndpointAllowlistOptions = {}) {
    const sources = [...((options.includeDefaults ?? true) ? DEFAULT_ALLOWED_ENDPOINTS : []), ...operatorPatterns];
    this.#patterns = Object.freeze(sources.map(parsePattern));
  }

  /**
   * The endpoint's normalised origin (e.g. "https://contoso.openai.azure.com"), or a GatewayError:
   * `invalid_endpoint` for anything that is not a bare origin, `endpoint_not_allowed` for an origin no
   * pattern allows. Messages never repeat the URL as given, which could hold credentials.
   */
  check(url: string): string {
    const parsed = parseEndpoint(url);
    const port = parsed.port === "" ? (DEFAULT_PORTS[parsed.protocol] ?? "") : parsed.port;
    const host = parsed.hostname;
    const allowed = this.#patterns.some((pattern) => matches(pattern, parsed.protocol, host, port));
    if (!allowed) {
      throw new GatewayError(
        "endpoint_not_allowed",
        `The endpoint ${parsed.origin} is not on the gateway's endpoint allowlist.`,
      );
    }
    return parsed.origin;
  }
}

function parseEndpoint(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new GatewayError("invalid_endpoint", "The Azure endpoint is not a valid URL.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new GatewayError("invalid_endpoint", "The Azure endpoint must be an https URL.");
  }
  if (url.username !== "" || url.password !== "" || hasUserinfo(raw)) {
    throw new GatewayError("invalid_endpoint", "The Azure endpoint must not contain credentials.");
  }
  // The URL parser drops an empty "?" or "#", so look at the raw text too.
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "" || /[?#]/.test(raw)) {
    throw new GatewayError(
      "invalid_endpoint",
      "The Azure endpoint must be an origin only, with no path, query or fragment.",
    );
  }
  return url;
}

// "https://@host" parses to an empty username; it is still userinfo.
function hasUserinfo(raw: string): boolean {
  const afterScheme = raw.indexOf("//");
  if (afterScheme === -1) return false;
  const authority = raw.slice(afterScheme + 2).split(/[/?#\\]/, 1)[0] ?? "";
  return authority.includes("@");
}

function matches(pattern: Pattern, protocol: string, host: string, port: string): boolean {
  if (pattern.protocol !== protocol || pattern.port !== port) return false;
  if (pattern.kind === "exact") return pattern.host === host;
  if (isIpLiteral(host) || !host.endsWith(pattern.suffix)) return false;
  return DNS_LABEL.test(host.slice(0, host.length - pattern.suffix.length));
}

function parsePattern(source: string): Pattern {
  const malformed = (why: string): Error => new Error(`Malformed endpoint allowlist pattern "${source}": ${why}.`);
  const wildcard = /^https?:\/\/\*\./.test(source);
  let url: URL;
  try {
    // The URL parser accepts "*" in a host; a placeholder keeps that from mattering.
    url = new URL(wildcard ? source.replace("*.", "wildcard.") : source);
  } catch {
    throw malformed("not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw malformed("the scheme must be https or http");
  if (url.username !== "" || url.password !== "" || source.includes("@")) throw malformed("it has credentials");
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "" || /[?#]/.test(source)) {
    throw malformed("it must be an origin, with no path, query or fragment");
  }
  const host = url.hostname;
  if (host.includes("*")) throw malformed("'*' is only allowed as the whole leftmost label");
  if (host.endsWith(".") || host.split(".").some((label) => label === "")) throw malformed("it has an empty label");
  const port = url.port === "" ? (DEFAULT_PORTS[url.protocol] ?? "") : url.port;
  if (!wildcard) return { kind: "exact", protocol: url.protocol, host, port };
  if (url.protocol !== "https:") throw malformed("wildcards are only allowed with https");
  const suffix = host.slice("wildcard".length);
  if (isIpLiteral(suffix.slice(1)) || suffix.split(".").length < 3) {
    throw malformed("a wildcard needs at least two DNS labels after it");
  }
  return { kind: "wildcard", protocol: url.protocol, suffix, port };
}

function isIpLiteral(host: string): boolean {
  return host.startsWith("[") || IPV4.test(host);
}
