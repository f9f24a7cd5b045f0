import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { FastCounter } from "../../src/metrics/fast-counter.js";

describe("FastCounter", () => {
  it("renders exactly what prom-client's Counter renders for the same increments", async () => {
    const help = "A help text with a \\ backslash\nand a line break.";
    const registry = new Registry();
    const reference = new Counter({ name: "c_total", help, labelNames: ["model", "status"], registers: [registry] });
    const fast = new FastCounter({ name: "c_total", help });
    const ok = { model: "gpt-4o", status: "ok" };
    const odd = { model: 'quote " back \\ slash\nnewline', status: "upstream_error" };
    for (const [labels, by] of [[ok, 1], [odd, 1], [ok, 0.0000325], [ok, 2], [odd, 1e21]] as const) {
      reference.inc(labels, by);
      fast.inc(labels, by);
    }
    expect(`${fast.text()}\n`).toBe(await registry.metrics());
  });

  it("renders only its help and type before anything is counted", () => {
    expect(new FastCounter({ name: "c_total", help: "Nothing yet." }).text()).toBe("# HELP c_total Nothing yet.\n# TYPE c_total counter");
  });
});
