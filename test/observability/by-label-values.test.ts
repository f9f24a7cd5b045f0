import { describe, expect, it } from "vitest";
import { ByLabelValues } from "../../src/metrics/by-label-values.js";

describe("ByLabelValues", () => {
  it("keeps one item per combination of values, built once", () => {
    const sets = new ByLabelValues<Record<string, string>>();
    let builds = 0;
    const labels = (a: string, b: string) =>
      sets.get([a, b], () => {
        builds += 1;
        return { a, b };
      });
    const first = labels("x", "y");
    expect(labels("x", "y")).toBe(first);
    expect(first).toEqual({ a: "x", b: "y" });
    expect(builds).toBe(1);
  });

  it("keeps combinations apart whatever characters their values hold", () => {
    const sets = new ByLabelValues<Record<string, string>>();
    const labels = (a: string, b: string) => sets.get([a, b], () => ({ a, b }));
    expect(labels("a\nb", "c")).toEqual({ a: "a\nb", b: "c" });
    expect(labels("a", "b\nc")).toEqual({ a: "a", b: "b\nc" });
    expect(labels("1:a", "")).toEqual({ a: "1:a", b: "" });
    expect(labels("", "1:a")).toEqual({ a: "", b: "1:a" });
  });
});
