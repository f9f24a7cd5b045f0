import * as http from "node:http";
import type * as http2 from "node:http2";

/**
 * The Fetch API's Headers over a plain Map, for the RPC door's request and handler headers: Node 20's
 * Headers runs WebIDL conversions, validates every name and value, and sorts on each read, which
 * cost a call about 10 µs and much of its garbage. Names are lower-cased and iteration is sorted by
 * name, as Headers does. What append() and set() are given is checked as Node checks a response
 * header (a TypeError, as from Headers): the binary RPC path writes these headers with Node's
 * HTTP/2 core API, which does not check them, and a value can come from a caller (a deployment
 * name). A request's own headers come from Node's parser and are not checked again.
 */
export class PlainHeaders implements Headers {
  readonly #values = new Map<string, string>();
  /** Set-Cookie values stay separate, as Headers keeps them. */
  #cookies: string[] | undefined;
  /**
   * A request's headers as Node parsed them, until something other than get() or has() needs them
   * copied in: most calls only read a header or two of them.
   */
  #request: http2.IncomingHttpHeaders | undefined;

  constructor(entries?: Iterable<readonly [string, string]>) {
    if (entries !== undefined) for (const [name, value] of entries) this.append(name, value);
  }

  /** A request's headers as Node parsed them, without HTTP/2 pseudo-headers. */
  static fromRequest(headers: http2.IncomingHttpHeaders): PlainHeaders {
    const result = new PlainHeaders();
    result.#request = headers;
    return result;
  }

  append(name: string, value: string): void {
    this.#copyRequest();
    this.#add(name.toLowerCase(), checkedValue(name, value));
  }

  set(name: string, value: string): void {
    this.#copyRequest();
    const key = name.toLowerCase();
    const normalized = checkedValue(name, value);
    if (key === "set-cookie") this.#cookies = [normalized];
    else this.#values.set(key, normalized);
  }

  delete(name: string): void {
    this.#copyRequest();
    const key = name.toLowerCase();
    if (key === "set-cookie") this.#cookies = undefined;
    else this.#values.delete(key);
  }

  get(name: string): string | null {
    const key = name.toLowerCase();
    if (this.#request !== undefined) return requestValue(this.#request, key);
    if (key === "set-cookie") return this.#cookies === undefined || this.#cookies.length === 0 ? null : this.#cookies.join(", ");
    return this.#values.get(key) ?? null;
  }

  has(name: string): boolean {
    const key = name.toLowerCase();
    if (this.#request !== undefined) return requestValue(this.#request, key) !== null;
    return key === "set-cookie" ? this.#cookies !== undefined && this.#cookies.length > 0 : this.#values.has(key);
  }

  getSetCookie(): string[] {
    this.#copyRequest();
    return this.#cookies === undefined ? [] : [...this.#cookies];
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    for (const [name, value] of this.#sorted()) callback.call(thisArg, value, name, this);
  }

  *entries(): IterableIterator<[string, string]> {
    yield* this.#sorted();
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.#sorted()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.#sorted()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** As Node's headers object: every entry, in no particular order, Set-Cookie values as a list. */
  toNode(): http.OutgoingHttpHeaders {
    this.#copyRequest();
    const result: http.OutgoingHttpHeaders = Object.create(null);
    for (const [name, value] of this.#values) result[name] = value;
    if (this.#cookies !== undefined && this.#cookies.length > 0) result["set-cookie"] = [...this.#cookies];
    return result;
  }

  #copyRequest(): void {
    const headers = this.#request;
    if (headers === undefined) return;
    this.#request = undefined;
    for (const name in headers) {
      if (name.startsWith(":")) continue;
      const value = headers[name];
      // Node's parser lower-cased the names and checked the values.
      if (typeof value === "string") this.#add(name, trimHttpWhitespace(value));
      else if (value !== undefined) for (const item of value) this.#add(name, trimHttpWhitespace(item));
    }
  }

  #add(key: string, normalized: string): void {
    if (key === "set-cookie") {
      (this.#cookies ??= []).push(normalized);
      return;
    }
    const existing = this.#values.get(key);
    this.#values.set(key, existing === undefined ? normalized : `${existing}, ${normalized}`);
  }

  /** Every entry in name order, each Set-Cookie value on its own, as Headers iterates. */
  #sorted(): [string, string][] {
    this.#copyRequest();
    const entries: [string, string][] = [];
    for (const [name, value] of this.#values) entries.push([name, value]);
    if (this.#cookies !== undefined) for (const cookie of this.#cookies) entries.push(["set-cookie", cookie]);
    if (entries.length > 1) entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return entries;
  }
}

/** What get() answers for `key` (lower case) of a request's headers as Node parsed them. */
function requestValue(headers: http2.IncomingHttpHeaders, key: string): string | null {
  // Node's HTTP/1 headers object has Object's prototype: "constructor" is no header.
  if (key.startsWith(":") || !Object.hasOwn(headers, key)) return null;
  const value = headers[key];
  if (typeof value === "string") return trimHttpWhitespace(value);
  return value === undefined ? null : value.map(trimHttpWhitespace).join(", ");
}

/** `value` without its surrounding whitespace, once Node's own response checks find it and `name` fit. */
function checkedValue(name: string, value: string): string {
  http.validateHeaderName(name);
  const normalized = trimHttpWhitespace(value);
  http.validateHeaderValue(name, normalized);
  return normalized;
}

/** Headers strips leading and trailing HTTP whitespace (tab, space, CR, LF) from values. */
function trimHttpWhitespace(value: string): string {
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  return first === 0x20 || first === 0x09 || first === 0x0a || first === 0x0d || last === 0x20 || last === 0x09 || last === 0x0a || last === 0x0d
    ? value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "")
    : value;
}
