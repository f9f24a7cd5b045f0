import { describe, expect, it } from "vitest";
import { retryAfterMs } from "../../src/azure/retry-after.js";

const NOW = Date.parse("2025-01-01T00:00:00Z");
const options = { nowMs: NOW, maxMs: 60_000 };

describe("retryAfterMs", () => {
  it("reads retry-after-ms as milliseconds, rounding fractions up", () => {
    expect(retryAfterMs({ "retry-after-ms": "1500" }, options)).toBe(1500);
    expect(retryAfterMs({ "retry-after-ms": "12.2" }, options)).toBe(13);
  });

  it("prefers retry-after-ms over Retry-After", () => {
    expect(retryAfterMs({ "retry-after-ms": "250", "retry-after": "7" }, options)).toBe(250);
  });

  it("reads Retry-After seconds", () => {
    expect(retryAfterMs({ "retry-after": "7" }, options)).toBe(7000);
  });

  it("reads Retry-After as an HTTP date relative to the injected clock", () => {
    expect(retryAfterMs({ "retry-after": "Wed, 01 Jan 2025 00:00:30 GMT" }, options)).toBe(30_000);
    expect(retryAfterMs({ "retry-after": "Tue, 31 Dec 2024 23:59:00 GMT" }, options)).toBe(0);
  });

  it("clamps long delays to maxMs", () => {
    expect(retryAfterMs({ "retry-after": "86400" }, options)).toBe(60_000);
    expect(retryAfterMs({ "retry-after-ms": "86400000" }, { nowMs: NOW, maxMs: 5_000 })).toBe(5_000);
  });

  it("falls back to Retry-After when retry-after-ms is unusable, and ignores junk", () => {
    expect(retryAfterMs({ "retry-after-ms": "soon", "retry-after": "2" }, options)).toBe(2000);
    expect(retryAfterMs({ "retry-after": "-5" }, options)).toBeUndefined();
    expect(retryAfterMs({ "retry-after": "soon" }, options)).toBeUndefined();
    expect(retryAfterMs({}, options)).toBeUndefined();
  });

  it("uses the first value of a repeated header", () => {
    expect(retryAfterMs({ "retry-after": ["3", "9"] }, options)).toBe(3000);
  });
});
