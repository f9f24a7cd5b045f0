/**
 * The dashboard's stylesheet, served at `/dashboard/style.css`. Light and dark themes from the same
 * variables; series colours `s0`…`s7` are shared by chart bars and legend swatches.
 *
 * Kept as a string (String.raw, so escapes stay as written) because the build compiles only
 * TypeScript; it must contain no backtick and no dollar-brace.
 */
export const STYLE_CSS = String.raw`:root {
  color-scheme: light dark;
  --bg: #f5f6f8;
  --panel: #ffffff;
  --text: #1b1f24;
  --muted: #5f6b7a;
  --line: #e3e6eb;
  --line-strong: #cdd2da;
  --accent: #2f5bd3;
  --on-accent: #ffffff;
  --ok: #1a7f4b;
  --ok-bg: #e3f4ea;
  --bad: #c4302b;
  --bad-bg: #fbe6e5;
  --warn: #9a5b00;
  --warn-bg: #fdf0d9;
  --muted-bg: #eceef2;
  --s0: #2f5bd3;
  --s1: #e07b39;
  --s2: #2a9d8f;
  --s3: #c44e8a;
  --s4: #8a6fd1;
  --s5: #b8a000;
  --s6: #4d9de0;
  --s7: #8d99a6;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #111418;
    --panel: #1a1e24;
    --text: #e6e9ee;
    --muted: #98a2b0;
    --line: #2a3038;
    --line-strong: #3a424d;
    --accent: #7ea2ff;
    --on-accent: #0d1424;
    --ok: #5fd39a;
    --ok-bg: #173326;
    --bad: #ff7b74;
    --bad-bg: #3a1d1c;
    --warn: #f2b84b;
    --warn-bg: #3a2c12;
    --muted-bg: #272c34;
  }
}
* { box-sizing: border-box; }
html { font-size: 14px; }
body {
  margin: 0;
  background: var(--bg);
  color: var(--text);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  line-height: 1.45;
  -webkit-font-smoothing: antialiased;
}
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.92em; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
[hidden] { display: none !important; }

.topbar {
  display: flex; align-items: center; justify-content: space-between;
  padding: 14px 28px; background: var(--panel); border-bottom: 1px solid var(--line);
  position: sticky; top: 0; z-index: 2;
}
.brand { font-weight: 650; font-size: 1.15rem; display: flex; align-items: center; gap: 10px; letter-spacing: -0.01em; }
.brand-sub { font-weight: 450; color: var(--muted); }
.logo { width: 22px; height: 22px; border-radius: 6px; background: linear-gradient(135deg, var(--accent), #7b4fd8); }
.live { display: flex; align-items: center; gap: 8px; color: var(--muted); font-size: 0.93rem; }
.live .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--ok); box-shadow: 0 0 0 3px var(--ok-bg); }
.live.is-down .dot { background: var(--bad); box-shadow: 0 0 0 3px var(--bad-bg); }

main { max-width: 1320px; margin: 0 auto; padding: 24px 28px 48px; display: grid; gap: 20px; }
/* Grid items may shrink below their content, so wide tables scroll inside their card instead. */
main > * { min-width: 0; }
.banner { padding: 10px 14px; border-radius: 8px; background: var(--bad-bg); color: var(--bad); border: 1px solid color-mix(in srgb, var(--bad) 30%, transparent); }

.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 14px; }
.tile { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; }
.tile-label { color: var(--muted); font-size: 0.86rem; font-weight: 550; text-transform: uppercase; letter-spacing: 0.04em; }
.tile-value { font-size: 1.9rem; font-weight: 650; font-variant-numeric: tabular-nums; margin-top: 2px; letter-spacing: -0.02em; }
.tile-note { color: var(--muted); font-size: 0.9rem; min-height: 1.3em; }

.card { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px; }
.card-head { display: flex; align-items: center; justify-content: space-between; gap: 16px; flex-wrap: wrap; margin-bottom: 12px; }
.card-head h2 { font-size: 1.12rem; margin: 0; font-weight: 650; }
.card-note { color: var(--muted); font-size: 0.9rem; }
.empty { color: var(--muted); margin: 12px 0 4px; }

/* Positioned, so the visually hidden header stays inside the scrolling box rather than widening the page. */
.table-wrap { overflow-x: auto; position: relative; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th {
  text-align: left; font-weight: 550; color: var(--muted); font-size: 0.84rem; text-transform: uppercase;
  letter-spacing: 0.04em; padding: 8px 12px; border-bottom: 1px solid var(--line-strong); white-space: nowrap;
}
td { padding: 10px 12px; border-bottom: 1px solid var(--line); vertical-align: middle; }
tbody tr:last-child td { border-bottom: none; }
tbody tr:hover { background: color-mix(in srgb, var(--muted-bg) 55%, transparent); }
.num { text-align: right; white-space: nowrap; }
.actions { text-align: right; white-space: nowrap; }
.dep-name { font-weight: 600; white-space: nowrap; }
.dep-id { white-space: nowrap; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.84rem; }
tr.is-drained .dep-name, tr.is-drained [data-field="region"], tr.is-drained [data-field="routes"] { opacity: 0.6; }

.chip { display: inline-block; white-space: nowrap; padding: 1px 8px; margin: 1px 4px 1px 0; border-radius: 999px; background: var(--muted-bg); font-size: 0.86rem; }
.badge { display: inline-flex; align-items: center; gap: 6px; padding: 2px 10px; border-radius: 999px; font-size: 0.88rem; font-weight: 600; white-space: nowrap; }
.badge + .badge { margin-left: 6px; }
.badge.circuit::before { content: ""; width: 7px; height: 7px; border-radius: 50%; background: currentColor; }
.tone-ok { color: var(--ok); background: var(--ok-bg); }
.tone-bad { color: var(--bad); background: var(--bad-bg); }
.tone-warn { color: var(--warn); background: var(--warn-bg); }
.tone-muted { color: var(--muted); background: var(--muted-bg); }

.btn, .segmented button {
  font: inherit; font-size: 0.93rem; cursor: pointer; color: var(--text); background: var(--panel);
  border: 1px solid var(--line-strong); border-radius: 7px; padding: 5px 12px;
}
.btn + .btn { margin-left: 6px; }
.btn:hover:not(:disabled) { border-color: var(--accent); color: var(--accent); }
.btn:disabled { cursor: default; opacity: 0.45; }
.btn-primary { background: var(--accent); border-color: var(--accent); color: var(--on-accent); }
.btn-primary:hover:not(:disabled) { color: var(--on-accent); filter: brightness(1.08); }
.btn.busy { cursor: progress; }
button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }

.controls { display: flex; gap: 12px; flex-wrap: wrap; }
.segmented { display: inline-flex; }
.segmented button { border-radius: 0; margin-left: -1px; }
.segmented button:first-child { border-radius: 7px 0 0 7px; margin-left: 0; }
.segmented button:last-child { border-radius: 0 7px 7px 0; }
.segmented button[aria-pressed="true"] { background: var(--accent); border-color: var(--accent); color: var(--on-accent); position: relative; }

.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(420px, 100%), 1fr)); gap: 20px; }
.chart { margin: 0; position: relative; }
.chart figcaption { font-weight: 600; margin-bottom: 6px; }
.chart-svg { width: 100%; height: auto; display: block; }
.chart-svg .grid { stroke: var(--line); stroke-width: 1; }
.chart-svg .axis { stroke: var(--line-strong); stroke-width: 1; }
.chart-svg .tick { fill: var(--muted); font-size: 12px; font-variant-numeric: tabular-nums; }
.chart-empty { position: absolute; top: 45%; left: 0; right: 0; text-align: center; color: var(--muted); margin: 0; }
.legend { list-style: none; margin: 10px 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 22px; }
.legend li { display: flex; align-items: center; gap: 8px; min-width: 0; max-width: 100%; }
.legend-label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 300px; }
.legend-value { font-variant-numeric: tabular-nums; color: var(--muted); }
.swatch { width: 10px; height: 10px; border-radius: 3px; flex: none; }
.swatch.s0, .bar.s0 { background: var(--s0); fill: var(--s0); }
.swatch.s1, .bar.s1 { background: var(--s1); fill: var(--s1); }
.swatch.s2, .bar.s2 { background: var(--s2); fill: var(--s2); }
.swatch.s3, .bar.s3 { background: var(--s3); fill: var(--s3); }
.swatch.s4, .bar.s4 { background: var(--s4); fill: var(--s4); }
.swatch.s5, .bar.s5 { background: var(--s5); fill: var(--s5); }
.swatch.s6, .bar.s6 { background: var(--s6); fill: var(--s6); }
.swatch.s7, .bar.s7 { background: var(--s7); fill: var(--s7); }

.toast {
  position: fixed; bottom: 20px; right: 20px; max-width: 420px; padding: 10px 16px; border-radius: 8px;
  background: var(--text); color: var(--panel); box-shadow: 0 6px 24px rgb(0 0 0 / 0.18); font-size: 0.93rem;
}

/* Last, so these win over the colour of the component they mark. */
.muted { color: var(--muted); }
.bad-text { color: var(--bad); }
.warn-text { color: var(--warn); }
`;
