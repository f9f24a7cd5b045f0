import { describe, expect, it } from "vitest";
import { budgetPeriodAt, formatDuration, rateLimitHeaders } from "../../src/usage/index.js";

describe("rateLimitHeaders", () => {
  it("writes OpenAI's headers for the limits a key has, and none for the others", () => {
    expect(rateLimitHeaders({ requests: { limit: 60, remaining: 59, resetMs: 60_000 } })).toEqual([
      ["x-ratelimit-limit-requests", "60"],
      ["x-ratelimit-remaining-requests", "59"],
      ["x-ratelimit-reset-requests", "1m0s"],
    ]);
    expect(rateLimitHeaders({ tokens: { limit: 1000, remaining: 0, resetMs: 1500 } })).toEqual([
      ["x-ratelimit-limit-tokens", "1000"],
      ["x-ratelimit-remaining-tokens", "0"],
      ["x-ratelimit-reset-tokens", "1.5s"],
    ]);
    expect(rateLimitHeaders({})).toEqual([]);
  });

  it("formats durations as OpenAI does", () => {
    expect(formatDuration(0)).toBe("0ms");
    expect(formatDuration(20.2)).toBe("21ms");
    expect(formatDuration(1000)).toBe("1s");
    expect(formatDuration(59_999)).toBe("59.999s");
    expect(formatDuration(360_000)).toBe("6m0s");
    expect(formatDuration(61_500)).toBe("1m1.5s");
  });
});

describe("budgetPeriodAt", () => {
  it("gives the UTC day and the UTC month around a moment", () => {
    const at = Date.parse("2024-02-29T23:59:59.999Z");
    expect(budgetPeriodAt("day", at)).toEqual({ startMs: Date.parse("2024-02-29T00:00:00Z"), endMs: Date.parse("2024-03-01T00:00:00Z") });
    expect(budgetPeriodAt("month", at)).toEqual({ startMs: Date.parse("2024-02-01T00:00:00Z"), endMs: Date.parse("2024-03-01T00:00:00Z") });
    expect(budgetPeriodAt("month", Date.parse("2024-12-31T12:00:00Z")).endMs).toBe(Date.parse("2025-01-01T00:00:00Z"));
  });
});
