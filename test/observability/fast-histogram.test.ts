import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { FastHistogram } from "../../src/metrics/fast-histogram.js";

describe("FastHistogram", () => {
  it("renders exactly what prom-client's Histogram renders for the same observations", async () => {
    const buckets = [0.01, 0.5, 1, 67108864];
    const help = "A help text with a \\ backslash\nand a line break.";
    const registry = new Registry();
    const reference = new Histogram({ name: "h", help, labelNames: ["model", "error_type"], buckets, registers: [registry] });
    const fast = new FastHistogram({ name: "h", help, buckets });
    const ok = { model: "gpt-4o", error_type: "" };
    const odd = { model: 'quote " back \\ slash\nnewline', error_type: "upstream_error" };
    for (const [labels, value] of [[ok, 0.005], [ok, 0.01], [ok, 0.75], [odd, 2], [ok, 1e9], [odd, 0]] as const) {
      reference.observe(labels, value);
      fast.observe(labels, value);
    }
    expect(`${fast.text()}\n`).toBe(await registry.metrics());
  });

  it("renders only its help and type before anything is observed", () => {
    expect(new FastHistogram({ name: "h", help: "Nothing yet.", buckets: [1] }).text()).toBe("# HELP h Nothing yet.\n# TYPE h histogram");
  });
});
