import { describe, expect, it } from "vitest";
import { requestIdFrom } from "../../src/observability/index.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("requestIdFrom", () => {
  it("keeps a caller's sane id", () => {
    for (const id of ["abc", "01HZX3K5Q9R7", "5f0c7d9e-0b7c-4a35-9f64-c2a8e1d1f9a4", "req_1.2:3@host/x+y=", "x".repeat(128)]) {
      expect(requestIdFrom(id)).toBe(id);
    }
    expect(requestIdFrom(["first", "second"])).toBe("first");
  });

  it("replaces a missing, empty, long or strange id with a new UUID", () => {
    for (const id of [undefined, "", "x".repeat(129), "a b", "line\r\nbreak", '"quoted"', "<script>", "ümlaut"]) {
      expect(requestIdFrom(id)).toMatch(UUID);
    }
    expect(requestIdFrom(undefined)).not.toBe(requestIdFrom(undefined));
  });
});
