/**
 * The pure model behind the usage charts (buckets, series, scale, bar geometry), served at
 * `/dashboard/usage-chart.js`. Tests import this same text as a module.
 *
 * Kept as a string (String.raw, so escapes stay as written) because the build compiles only
 * TypeScript; it must contain no backtick and no dollar-brace.
 */
export const USAGE_CHART_JS = String.raw`// Pure chart model for usage over time: buckets, series, scale and bar geometry. No DOM here.

export const RANGES = {
  day: { label: "24 hours", bucket: "TIME_BUCKET_HOUR", bucketMs: 3600000, count: 24 },
  month: { label: "30 days", bucket: "TIME_BUCKET_DAY", bucketMs: 86400000, count: 30 },
};

/** Token counts arrive as int64 strings; absent fields are zero. */
function int(value) {
  return value === undefined ? 0 : Number(value);
}

export const METRICS = {
  cost: { label: "Cost", integer: false, value: (totals) => Number(totals.costUsd ?? "0") },
  requests: { label: "Requests", integer: true, value: (totals) => int(totals.requests) },
  tokens: { label: "Tokens", integer: true, value: (totals) => int(totals.promptTokens) + int(totals.completionTokens) },
};

/** Start times of the count buckets ending with the one that holds nowMs (buckets align to the epoch, as the ledger's do). */
export function bucketStarts(nowMs, bucketMs, count) {
  const last = Math.floor(nowMs / bucketMs) * bucketMs;
  const starts = [];
  for (let i = count - 1; i >= 0; i--) starts.push(last - i * bucketMs);
  return starts;
}

/**
 * GetUsage rows (grouped by one dimension and a time bucket) as one series per group, largest total
 * first. Groups beyond maxSeries - 1 are summed into one "Other" series so the legend stays short.
 */
export function usageSeries(rows, options) {
  const { dimension, starts, value, labelOf } = options;
  const maxSeries = options.maxSeries ?? 8;
  const indexOf = new Map(starts.map((start, index) => [start, index]));
  const byGroup = new Map();
  for (const row of rows) {
    const index = indexOf.get(Date.parse(row.bucketStart));
    if (index === undefined) continue;
    const id = row[dimension] ?? "";
    let values = byGroup.get(id);
    if (values === undefined) {
      values = starts.map(() => 0);
      byGroup.set(id, values);
    }
    values[index] += value(row.totals ?? {});
  }
  const series = [...byGroup].map(([id, values]) => ({ id, label: labelOf(id), values, total: sum(values) }));
  series.sort((a, b) => b.total - a.total || a.label.localeCompare(b.label));
  if (series.length <= maxSeries) return series;
  const kept = series.slice(0, maxSeries - 1);
  const rest = series.slice(maxSeries - 1);
  const values = starts.map((_, index) => sum(rest.map((one) => one.values[index])));
  return [...kept, { id: "", label: "Other (" + rest.length + ")", values, total: sum(values), other: true }];
}

function sum(values) {
  return values.reduce((total, value) => total + value, 0);
}

/**
 * An axis from 0 to a round number at or above max, with about "ticks" round steps (1, 2, 2.5 or 5
 * times a power of ten; whole numbers only when integer is set, as for counts).
 */
export function niceScale(max, ticks, integer) {
  const tickCount = ticks ?? 4;
  if (!(max > 0)) return { max: 1, step: 1, ticks: [0, 1] };
  const rough = max / tickCount;
  const power = Math.pow(10, Math.floor(Math.log10(rough)));
  const step = [1, 2, 2.5, 5, 10]
    .map((factor) => round(factor * power))
    .find((candidate) => candidate >= rough && (!integer || Number.isInteger(candidate)));
  const top = round(Math.ceil(max / step - 1e-9) * step);
  const values = [];
  for (let i = 0; i * step <= top + step / 2; i++) values.push(round(i * step));
  return { max: top, step, ticks: values };
}

function round(value) {
  return Number(value.toPrecision(12));
}

/**
 * Rectangles of a stacked bar chart inside plot {x, y, width, height}: one bar per bucket, one
 * segment per series with a value, the first series at the bottom.
 */
export function stackedBars(series, bucketCount, scaleMax, plot) {
  const slot = plot.width / bucketCount;
  const barWidth = Math.max(1, slot * 0.72);
  const bars = [];
  for (let bucket = 0; bucket < bucketCount; bucket++) {
    let base = 0;
    series.forEach((one, seriesIndex) => {
      const value = one.values[bucket] ?? 0;
      if (!(value > 0)) return;
      const y0 = plot.y + plot.height - (base / scaleMax) * plot.height;
      base += value;
      const y1 = plot.y + plot.height - (base / scaleMax) * plot.height;
      bars.push({
        seriesIndex,
        bucketIndex: bucket,
        value,
        x: plot.x + bucket * slot + (slot - barWidth) / 2,
        y: y1,
        width: barWidth,
        // A segment too small to see still shows as a sliver.
        height: Math.max(0.75, y0 - y1),
      });
    });
  }
  return bars;
}
`;
