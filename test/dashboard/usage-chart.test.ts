import { beforeAll, describe, expect, it } from "vitest";
import { USAGE_CHART_JS } from "../../src/dashboard/assets/usage-chart-js.js";
import { importBrowserModule } from "./browser-module.js";

interface Totals {
  requests?: string;
  costUsd?: string;
  promptTokens?: string;
  completionTokens?: string;
}
interface Row {
  keyId?: string;
  route?: string;
  bucketStart: string;
  totals?: Totals;
}
interface Series {
  id: string;
  label: string;
  values: number[];
  total: number;
  other?: boolean;
}
interface Bar {
  seriesIndex: number;
  bucketIndex: number;
  value: number;
  x: number;
  y: number;
  width: number;
  height: number;
}
interface UsageChart {
  RANGES: Record<string, { bucket: string; bucketMs: number; count: number }>;
  METRICS: Record<string, { integer: boolean; value: (totals: Totals) => number }>;
  bucketStarts(nowMs: number, bucketMs: number, count: number): number[];
  usageSeries(
    rows: Row[],
    options: { dimension: "keyId" | "route"; starts: number[]; value: (totals: Totals) => number; labelOf: (id: string) => string; maxSeries?: number },
  ): Series[];
  niceScale(max: number, ticks?: number, integer?: boolean): { max: number; step: number; ticks: number[] };
  stackedBars(series: Series[], bucketCount: number, scaleMax: number, plot: { x: number; y: number; width: number; height: number }): Bar[];
}

const HOUR = 3_600_000;
const NOW = Date.parse("2025-03-04T10:25:00Z");

let chart: UsageChart;
beforeAll(async () => {
  chart = await importBrowserModule<UsageChart>(USAGE_CHART_JS);
});

describe("the usage chart model", () => {
  it("ends the buckets with the one holding now, aligned to the hour as the ledger's are", () => {
    const starts = chart.bucketStarts(NOW, HOUR, 24);
    expect(starts).toHaveLength(24);
    expect(new Date(starts[23]!).toISOString()).toBe("2025-03-04T10:00:00.000Z");
    expect(new Date(starts[0]!).toISOString()).toBe("2025-03-03T11:00:00.000Z");
    expect(chart.RANGES.day).toMatchObject({ bucket: "TIME_BUCKET_HOUR", bucketMs: HOUR, count: 24 });
    expect(chart.RANGES.month).toMatchObject({ bucket: "TIME_BUCKET_DAY", bucketMs: 24 * HOUR, count: 30 });
  });

  it("turns rows into one series per group, zero-filled, largest first", () => {
    const starts = chart.bucketStarts(NOW, HOUR, 3);
    const rows: Row[] = [
      { keyId: "k1", bucketStart: "2025-03-04T08:00:00Z", totals: { costUsd: "0.25" } },
      { keyId: "k2", bucketStart: "2025-03-04T09:00:00Z", totals: { costUsd: "1.5" } },
      { keyId: "k1", bucketStart: "2025-03-04T10:00:00Z", totals: { costUsd: "0.5" } },
      // Outside the range: ignored.
      { keyId: "k1", bucketStart: "2025-03-04T07:00:00Z", totals: { costUsd: "9" } },
    ];
    const series = chart.usageSeries(rows, { dimension: "keyId", starts, value: chart.METRICS.cost!.value, labelOf: (id) => `key ${id}` });
    expect(series).toEqual([
      { id: "k2", label: "key k2", values: [0, 1.5, 0], total: 1.5 },
      { id: "k1", label: "key k1", values: [0.25, 0, 0.5], total: 0.75 },
    ]);
  });

  it("reads absent totals as zero and int64 strings as numbers", () => {
    const starts = chart.bucketStarts(NOW, HOUR, 1);
    const rows: Row[] = [
      { route: "gpt-4o", bucketStart: "2025-03-04T10:00:00Z", totals: { requests: "3", promptTokens: "10", completionTokens: "5" } },
      { route: "gpt-4o-mini", bucketStart: "2025-03-04T10:00:00Z" },
    ];
    const options = { dimension: "route" as const, starts, labelOf: (id: string) => id };
    expect(chart.usageSeries(rows, { ...options, value: chart.METRICS.requests!.value }).map((one) => one.total)).toEqual([3, 0]);
    expect(chart.usageSeries(rows, { ...options, value: chart.METRICS.tokens!.value })[0]!.total).toBe(15);
    expect(chart.usageSeries(rows, { ...options, value: chart.METRICS.cost!.value })[0]!.total).toBe(0);
  });

  it("sums the smallest groups into one Other series beyond the legend's limit", () => {
    const starts = chart.bucketStarts(NOW, HOUR, 1);
    const rows: Row[] = [1, 2, 3, 4, 5].map((n) => ({ keyId: `k${n}`, bucketStart: "2025-03-04T10:00:00Z", totals: { requests: String(n) } }));
    const series = chart.usageSeries(rows, { dimension: "keyId", starts, value: chart.METRICS.requests!.value, labelOf: (id) => id, maxSeries: 3 });
    expect(series.map((one) => [one.label, one.total])).toEqual([["k5", 5], ["k4", 4], ["Other (3)", 6]]);
    expect(series[2]!.other).toBe(true);
  });

  it("rounds the axis up to a round number with round steps", () => {
    expect(chart.niceScale(7.3, 4)).toEqual({ max: 8, step: 2, ticks: [0, 2, 4, 6, 8] });
    expect(chart.niceScale(100, 4)).toEqual({ max: 100, step: 25, ticks: [0, 25, 50, 75, 100] });
    expect(chart.niceScale(0.0123, 4)).toEqual({ max: 0.015, step: 0.005, ticks: [0, 0.005, 0.01, 0.015] });
    expect(chart.niceScale(0, 4)).toEqual({ max: 1, step: 1, ticks: [0, 1] });
  });

  it("keeps whole steps for counts", () => {
    expect(chart.niceScale(10, 4, true)).toEqual({ max: 10, step: 5, ticks: [0, 5, 10] });
    expect(chart.niceScale(1, 4, true)).toEqual({ max: 1, step: 1, ticks: [0, 1] });
    expect(chart.niceScale(10, 4, false).step).toBe(2.5);
    expect(chart.METRICS.requests).toMatchObject({ integer: true });
    expect(chart.METRICS.cost).toMatchObject({ integer: false });
  });

  it("stacks each bucket's segments from the bottom, the first series lowest", () => {
    const series = [
      { id: "a", label: "a", values: [2, 0], total: 2 },
      { id: "b", label: "b", values: [1, 4], total: 5 },
    ];
    const plot = { x: 10, y: 0, width: 100, height: 80 };
    const bars = chart.stackedBars(series, 2, 4, plot);
    expect(bars.map((bar) => [bar.seriesIndex, bar.bucketIndex, bar.value])).toEqual([[0, 0, 2], [1, 0, 1], [1, 1, 4]]);
    const [a0, b0, b1] = bars;
    expect(a0).toMatchObject({ y: 40, height: 40 });
    expect(b0).toMatchObject({ y: 20, height: 20 });
    expect(b1).toMatchObject({ y: 0, height: 80 });
    // Bars sit inside their bucket's slot, the second slot to the right of the first.
    expect(a0!.x).toBeGreaterThan(10);
    expect(a0!.x + a0!.width).toBeLessThan(60);
    expect(b1!.x).toBeGreaterThan(60);
  });
});
