import { describe, expect, it } from "vitest";
import { generateKeySecret, hashKeySecret, isWellFormedKeySecret } from "../../src/keys/index.js";

describe("key secrets", () => {
  it("are gw_ followed by 43 base64url characters", () => {
    const secret = generateKeySecret();
    expect(secret).toMatch(/^gw_[A-Za-z0-9_-]{43}$/);
    expect(secret).toHaveLength(46);
    expect(Buffer.from(secret.slice(3), "base64url")).toHaveLength(32);
  });

  it("never repeat and use the whole alphabet", () => {
    const secrets = Array.from({ length: 2_000 }, generateKeySecret);
    expect(new Set(secrets).size).toBe(secrets.length);
    const seen = new Set(secrets.flatMap((s) => [...s.slice(3)]));
    expect(seen.size).toBe(64);
  });

  it("are recognised only in the exact shape", () => {
    const good = generateKeySecret();
    expect(isWellFormedKeySecret(good)).toBe(true);
    expect(isWellFormedKeySecret(good.slice(0, -1))).toBe(false);
    expect(isWellFormedKeySecret(`${good}A`)).toBe(false);
    expect(isWellFormedKeySecret(`sk_${good.slice(3)}`)).toBe(false);
    expect(isWellFormedKeySecret(`gw_${"A".repeat(42)}=`)).toBe(false);
    expect(isWellFormedKeySecret(`gw_${"+".repeat(43)}`)).toBe(false);
    expect(isWellFormedKeySecret(` ${good}`)).toBe(false);
  });

  it("hash to 32 bytes that depend on the HMAC key", () => {
    const secret = generateKeySecret();
    const a = hashKeySecret(Buffer.alloc(32, 1), secret);
    const b = hashKeySecret(Buffer.alloc(32, 2), secret);
    expect(a).toHaveLength(32);
    expect(a.equals(b)).toBe(false);
    expect(a.equals(hashKeySecret(Buffer.alloc(32, 1), secret))).toBe(true);
  });
});
