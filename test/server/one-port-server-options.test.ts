import { describe, expect, it } from "vitest";
import { resolveOnePortServerOptions, type OnePortServerOptions } from "../../src/server/one-port-server-options.js";

describe("resolveOnePortServerOptions", () => {
  it("fills in the documented defaults", () => {
    expect(resolveOnePortServerOptions()).toEqual({
      tls: undefined,
      prefaceTimeoutMs: 10_000,
      headersTimeoutMs: 60_000,
      requestTimeoutMs: 300_000,
      keepAliveTimeoutMs: 5_000,
      http2IdleTimeoutMs: 300_000,
      http2MaxConcurrentStreams: 10_000,
      http2MaxSessionMemoryMb: 64,
    });
  });

  it("keeps given values and leaves the caller's object untouched", () => {
    const options: OnePortServerOptions = Object.freeze({ keepAliveTimeoutMs: 65_000 });
    const resolved = resolveOnePortServerOptions(options);
    expect(resolved.keepAliveTimeoutMs).toBe(65_000);
    expect(resolved).not.toBe(options);
    expect(options).toEqual({ keepAliveTimeoutMs: 65_000 });
  });

  it("rejects a non-positive or fractional value, naming the option", () => {
    expect(() => resolveOnePortServerOptions({ prefaceTimeoutMs: 0 })).toThrow(/prefaceTimeoutMs.*got 0/);
    expect(() => resolveOnePortServerOptions({ http2IdleTimeoutMs: 1.5 })).toThrow(/http2IdleTimeoutMs/);
    expect(() => resolveOnePortServerOptions({ keepAliveTimeoutMs: Number.NaN })).toThrow(RangeError);
  });

  it("rejects a delay too large for Node's timers instead of letting it fire at once", () => {
    expect(() => resolveOnePortServerOptions({ requestTimeoutMs: 2 ** 31 })).toThrow(/requestTimeoutMs/);
  });

  it("rejects a headers timeout longer than the request timeout", () => {
    expect(() => resolveOnePortServerOptions({ headersTimeoutMs: 10_000, requestTimeoutMs: 5_000 })).toThrow(
      /headersTimeoutMs \(10000\) must not exceed requestTimeoutMs \(5000\)/,
    );
  });
});
