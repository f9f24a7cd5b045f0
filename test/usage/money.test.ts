import { describe, expect, it } from "vitest";
import { formatUsd, parseDecimal, parseUsd } from "../../src/usage/index.js";

describe("money", () => {
  it("parses dollar strings into exact nano-dollars", () => {
    expect(parseUsd("25")).toBe(25_000_000_000n);
    expect(parseUsd("25.00")).toBe(25_000_000_000n);
    expect(parseUsd("0.000000001")).toBe(1n);
    expect(parseUsd(" 1000000.5 ")).toBe(1_000_000_500_000_000n);
    expect(parseUsd("0.1000000000")).toBe(100_000_000n);
  });

  it("refuses what is not a plain non-negative decimal, or finer than a nano-dollar", () => {
    for (const bad of ["", "-1", "1e3", "1.", ".5", "1,5", "0x10", "0.0000000001"]) {
      expect(() => parseUsd(bad), bad).toThrow(RangeError);
    }
    expect(() => parseDecimal("1.2345", 3)).toThrow(/more than 3 decimal places/);
  });

  it("formats nano-dollars exactly, with at least cents", () => {
    expect(formatUsd(25_000_000_000n)).toBe("25.00");
    expect(formatUsd(2_500_000n)).toBe("0.0025");
    expect(formatUsd(75n)).toBe("0.000000075");
    expect(formatUsd(0n)).toBe("0.00");
    expect(formatUsd(12_345_678_901_234_567_890n)).toBe("12345678901.23456789");
  });

  it("round-trips every value it formats", () => {
    for (const value of [0n, 1n, 10n, 999_999_999n, 1_000_000_000n, 123_456_789_012n]) {
      expect(parseUsd(formatUsd(value))).toBe(value);
    }
  });
});
