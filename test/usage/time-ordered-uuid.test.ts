import { describe, expect, it } from "vitest";
import { timeOrderedUuid } from "../../src/usage/index.js";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The millisecond a version 7 UUID carries in its first 48 bits. */
function timestampOf(uuid: string): number {
  return Number.parseInt(uuid.slice(0, 8) + uuid.slice(9, 13), 16);
}

describe("timeOrderedUuid", () => {
  it("is a version 7 UUID carrying the millisecond it was given", () => {
    for (const ms of [0, 1, 255, 2 ** 32 - 1, 2 ** 32, Date.UTC(2026, 10, 26, 16, 0, 0, 123), 2 ** 48 - 1]) {
      const uuid = timeOrderedUuid(ms);
      expect(uuid, String(ms)).toMatch(UUID_V7);
      expect(timestampOf(uuid), uuid).toBe(ms);
    }
    // 0x01a21895cc7b, big-endian, as RFC 9562 lays it out.
    expect(timeOrderedUuid(Date.UTC(2026, 10, 26, 16, 0, 0, 123)).slice(0, 13)).toBe("01a21895-cc7b");
  });

  it("sorts as text in the order of its milliseconds", () => {
    const start = Date.UTC(2026, 0, 1);
    const ids = Array.from({ length: 2000 }, (_, i) => timeOrderedUuid(start + i * 997));
    expect([...ids].sort()).toEqual(ids);
  });

  it("differs between ids of the same millisecond", () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => timeOrderedUuid(1_700_000_000_000)));
    expect(ids.size).toBe(10_000);
    const randomTails = new Set([...ids].map((id) => id.slice(-12)));
    expect(randomTails.size).toBe(10_000);
  });

  it("clamps a clock outside what 48 bits hold instead of writing a malformed id", () => {
    expect(timestampOf(timeOrderedUuid(-5))).toBe(0);
    expect(timestampOf(timeOrderedUuid(2 ** 50))).toBe(2 ** 48 - 1);
    expect(timeOrderedUuid(12.9)).toMatch(UUID_V7);
    expect(timestampOf(timeOrderedUuid(12.9))).toBe(12);
  });
});
