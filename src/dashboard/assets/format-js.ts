/**
 * Pure formatting helpers of the dashboard, served at `/dashboard/format.js`.
 *
 * Kept as a string (String.raw, so escapes stay as written) because the build compiles only
 * TypeScript; it must contain no backtick and no dollar-brace.
 */
export const FORMAT_JS = String.raw`// Pure formatting for the dashboard: numbers, money, durations, circuit states.

const COUNT = new Intl.NumberFormat("en-US");
const COMPACT = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

/** US dollars: cents from $1 up, four significant digits below, so small costs do not read as $0.00. */
export function formatUsd(value) {
  if (!Number.isFinite(value) || value === 0) return "$0.00";
  const sign = value < 0 ? "-" : "";
  const size = Math.abs(value);
  const shown = size >= 1 ? size : Number(size.toPrecision(4));
  return sign + "$" + shown.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: size >= 1 ? 2 : 12 });
}

/** An axis label in US dollars with as many decimals as the axis step needs (at least cents). */
export function formatUsdTick(value, step) {
  if (value === 0) return "$0";
  let decimals = 2;
  while (decimals < 12 && Math.abs(Math.round(step * Math.pow(10, decimals)) - step * Math.pow(10, decimals)) > 1e-6) decimals++;
  return "$" + value.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** Whole counts with separators up to 99,999; compact (12.3K, 4.5M) above. */
export function formatCount(value) {
  if (!Number.isFinite(value)) return "–";
  return Math.abs(value) < 100000 ? COUNT.format(value) : COMPACT.format(value);
}

/** A latency estimate; 0 means no sample yet. */
export function formatMs(ms) {
  if (!Number.isFinite(ms) || ms <= 0) return "–";
  if (ms < 1000) return Math.round(ms) + " ms";
  return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s";
}

/** Time left until untilMs, or "" once it has passed. */
export function formatRemaining(untilMs, nowMs) {
  const leftS = Math.ceil((untilMs - nowMs) / 1000);
  if (!(leftS > 0)) return "";
  if (leftS < 60) return leftS + " s";
  const minutes = Math.floor(leftS / 60);
  const seconds = leftS % 60;
  if (minutes < 60) return minutes + " min " + String(seconds).padStart(2, "0") + " s";
  return Math.floor(minutes / 60) + " h " + String(minutes % 60).padStart(2, "0") + " min";
}

const CIRCUITS = {
  CIRCUIT_STATE_CLOSED: { text: "Closed", tone: "ok" },
  CIRCUIT_STATE_OPEN: { text: "Open", tone: "bad" },
  CIRCUIT_STATE_HALF_OPEN: { text: "Half-open", tone: "warn" },
};

/** The label and colour tone of a circuit state as Connect JSON names it. */
export function circuitLabel(state) {
  return CIRCUITS[state] ?? { text: "Unknown", tone: "muted" };
}
`;
