import { beforeAll, describe, expect, it } from "vitest";
import { FORMAT_JS } from "../../src/dashboard/assets/format-js.js";
import { importBrowserModule } from "./browser-module.js";

interface Format {
  formatUsd(value: number): string;
  formatUsdTick(value: number, step: number): string;
  formatCount(value: number): string;
  formatMs(ms: number): string;
  formatRemaining(untilMs: number, nowMs: number): string;
  circuitLabel(state: string | undefined): { text: string; tone: string };
}

let format: Format;
beforeAll(async () => {
  format = await importBrowserModule<Format>(FORMAT_JS);
});

describe("the dashboard's formatting", () => {
  it("shows dollars with cents, and small costs with four significant digits rather than $0.00", () => {
    expect(format.formatUsd(1234.5)).toBe("$1,234.50");
    expect(format.formatUsd(0.000123456)).toBe("$0.0001235");
    expect(format.formatUsd(0.5)).toBe("$0.50");
    expect(format.formatUsd(0)).toBe("$0.00");
  });

  it("labels a dollar axis with the decimals its step needs, and zero plainly", () => {
    expect(format.formatUsdTick(0, 0.00005)).toBe("$0");
    expect(format.formatUsdTick(0.00015, 0.00005)).toBe("$0.00015");
    expect(format.formatUsdTick(0.0025, 0.0025)).toBe("$0.0025");
    expect(format.formatUsdTick(1500, 500)).toBe("$1,500.00");
  });

  it("shows counts with separators, and compactly once they grow large", () => {
    expect(format.formatCount(12345)).toBe("12,345");
    expect(format.formatCount(1_234_567)).toBe("1.2M");
  });

  it("shows latency in ms or seconds, and a dash before the first sample", () => {
    expect(format.formatMs(0)).toBe("–");
    expect(format.formatMs(84.4)).toBe("84 ms");
    expect(format.formatMs(1530)).toBe("1.53 s");
  });

  it("counts a cooldown down and shows nothing once it has passed", () => {
    expect(format.formatRemaining(10_000, 0)).toBe("10 s");
    expect(format.formatRemaining(125_000, 0)).toBe("2 min 05 s");
    expect(format.formatRemaining(1_000, 1_000)).toBe("");
    expect(format.formatRemaining(1_000, 5_000)).toBe("");
  });

  it("names circuit states as Connect's JSON spells them", () => {
    expect(format.circuitLabel("CIRCUIT_STATE_OPEN")).toEqual({ text: "Open", tone: "bad" });
    expect(format.circuitLabel("CIRCUIT_STATE_HALF_OPEN")).toEqual({ text: "Half-open", tone: "warn" });
    expect(format.circuitLabel("CIRCUIT_STATE_CLOSED")).toEqual({ text: "Closed", tone: "ok" });
    expect(format.circuitLabel(undefined)).toEqual({ text: "Unknown", tone: "muted" });
  });
});
