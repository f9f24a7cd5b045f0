import { firstHeader, type ResponseHeaders } from "./response-headers.js";

export interface RetryAfterOptions {
  /** The current time in epoch milliseconds, to turn an HTTP-date `Retry-After` into a delay. */
  nowMs: number;
  /** The longest delay reported; Azure can say `Retry-After: 86400`, which no caller should wait. */
  maxMs: number;
}

/**
 * How long Azure asks the caller to wait, in whole milliseconds, clamped to [0, maxMs]; undefined
 * when Azure sent no usable hint. Azure's `retry-after-ms` is finer than `Retry-After`, so it wins.
 */
export function retryAfterMs(headers: ResponseHeaders, options: RetryAfterOptions): number | undefined {
  const ms = parseMilliseconds(firstHeader(headers, "retry-after-ms")) ??
    parseRetryAfter(firstHeader(headers, "retry-after"), options.nowMs);
  if (ms === undefined) return undefined;
  return Math.min(Math.max(Math.ceil(ms), 0), options.maxMs);
}

const DECIMAL = /^\d+(?:\.\d+)?$/;
// Every HTTP-date form names the month; without this, Date.parse would read "-5" as a year.
const HTTP_DATE = /\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\b/i;

function parseMilliseconds(value: string | undefined): number | undefined {
  const trimmed = value?.trim();
  return trimmed !== undefined && DECIMAL.test(trimmed) ? Number(trimmed) : undefined;
}

// RFC 9110 §10.2.3: delay-seconds or an HTTP-date.
function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  const trimmed = value?.trim();
  if (trimmed === undefined || trimmed === "") return undefined;
  if (DECIMAL.test(trimmed)) return Number(trimmed) * 1000;
  if (!HTTP_DATE.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : date - nowMs;
}
