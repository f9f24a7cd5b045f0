import { describe, expect, it } from "vitest";
import { VerifiedKeyCache } from "../../src/keys/verified-key-cache.js";

describe("VerifiedKeyCache", () => {
  it("answers from memory while the generation stays the same and the answer is young enough", () => {
    const cache = new VerifiedKeyCache<string>({ maxAgeMs: 1_000 });
    cache.set("gw_a", "principal a", 7, 10_000);
    expect(cache.get("gw_a", 7, 10_999)).toBe("principal a");
    expect(cache.get("gw_b", 7, 10_999)).toBeUndefined();
  });

  it("forgets an answer once it is maxAgeMs old, or when the clock went back", () => {
    const cache = new VerifiedKeyCache<string>({ maxAgeMs: 1_000 });
    cache.set("gw_a", "a", 1, 10_000);
    expect(cache.get("gw_a", 1, 11_000)).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.set("gw_a", "a", 1, 10_000);
    expect(cache.get("gw_a", 1, 9_999)).toBeUndefined();
  });

  it("forgets everything at the first sight of a newer generation", () => {
    const cache = new VerifiedKeyCache<string>();
    cache.set("gw_a", "a", 1, 0);
    cache.set("gw_b", "b", 1, 0);
    expect(cache.get("gw_a", 2, 0)).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.get("gw_b", 1, 0)).toBeUndefined();
  });

  it("does not keep an answer read at a generation that has moved on since", () => {
    const cache = new VerifiedKeyCache<string>();
    expect(cache.get("gw_a", 2, 0)).toBeUndefined();
    // The store was asked at generation 1, and a change (generation 2) was seen meanwhile.
    cache.set("gw_a", "stale", 1, 0);
    expect(cache.get("gw_a", 2, 0)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("holds at most maxEntries answers, dropping the oldest first", () => {
    const cache = new VerifiedKeyCache<string>({ maxEntries: 2 });
    cache.set("gw_a", "a", 1, 0);
    cache.set("gw_b", "b", 1, 0);
    cache.set("gw_a", "a again", 1, 0);
    cache.set("gw_c", "c", 1, 0);
    expect(cache.size).toBe(2);
    expect(cache.get("gw_b", 1, 0)).toBeUndefined();
    expect(cache.get("gw_a", 1, 0)).toBe("a again");
    expect(cache.get("gw_c", 1, 0)).toBe("c");
  });
});
