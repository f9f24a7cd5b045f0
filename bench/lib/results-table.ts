import { PAIRED_PATHS, type BenchResults, type PairedPath } from "./bench-results.js";
import { median } from "./median.js";
import type { ProfileSummary } from "./profile-summary.js";

/** The run as Markdown tables: readable in a terminal, pasteable into the README. */
export function formatResults(results: BenchResults): string {
  const { meta } = results;
  const lines: string[] = [
    `TensorWall bench, ${meta.mode} run, ${meta.date}: Node ${meta.node}, ${meta.cpus} × ${meta.cpuModel}, commit ${meta.commit}, load average ${meta.loadAverageAtStart.toFixed(2)} at start`,
    `${meta.legMs / 1000} s per leg after a warm-up per path of ${warmUpSpan(meta)}${meta.warmupMaxMs > meta.warmupMs ? " (the proxy, REST and Connect paths until the serving process's CPU per request stopped falling)" : ""}; load generator, fake Azure and gateway share the machine.`,
    "",
    "Non-streaming chat completion (small reply):",
    "",
    table(
      ["path", "conc.", "req/s", "p50 ms", "p99 ms", "errors", "× direct", "× bare proxy", "gw/proxy CPU µs/req", "client CPU µs/req"],
      results.unary.map((leg) => [
        leg.path,
        String(leg.concurrency),
        fixed(leg.result.rps, 0),
        fixed(leg.result.latency.p50Ms, 3),
        fixed(leg.result.latency.p99Ms, 3),
        String(leg.result.errors),
        fixed(leg.ratioToDirect, 2),
        fixed(leg.ratioToProxy, 2),
        leg.midCpuMicrosPerOk === undefined ? "–" : fixed(leg.midCpuMicrosPerOk, 0),
        fixed(leg.result.loadCpuMicrosPerOk, 0),
      ]),
    ),
    "",
    `Paired rounds at 64 concurrent (req/s; each path ${results.meta.pairedRoundMs / 1000} s a round, back to back, a different path first each round):`,
    "",
    table(
      ["round", ...PAIRED_PATHS, "REST × bare proxy", "REST × direct", "Connect × REST"],
      [
        ...results.pairedRounds.map((round, i) => pairedRow(String(i + 1), (path) => round.rps[path])),
        pairedRow("median", (path) => median(results.pairedRounds.map((round) => round.rps[path])), (path, over) =>
          median(results.pairedRounds.map((round) => round.rps[path] / round.rps[over])),
        ),
      ],
    ),
    "",
    "Streaming, 200-chunk reply (time to first byte = first event; total = last byte):",
    "",
    table(
      ["path", "conc.", "streams/s", "TTFB p50", "TTFB p99", "total p50", "total p99", "errors", "+TTFB p50", "+total p50", "gw CPU µs/stream"],
      results.streams.map((leg) => [
        leg.path,
        String(leg.concurrency),
        fixed(leg.result.rps, 0),
        fixed(leg.result.ttfb?.p50Ms ?? Number.NaN, 3),
        fixed(leg.result.ttfb?.p99Ms ?? Number.NaN, 3),
        fixed(leg.result.latency.p50Ms, 3),
        fixed(leg.result.latency.p99Ms, 3),
        String(leg.result.errors),
        leg.path === "direct" ? "–" : signed(leg.addedTtfbP50Ms),
        leg.path === "direct" ? "–" : signed(leg.addedTotalP50Ms),
        leg.midCpuMicrosPerOk === undefined ? "–" : fixed(leg.midCpuMicrosPerOk, 0),
      ]),
    ),
    "",
    "Open streams held at once (slow fake: a chunk every 2 s until all are open, then held and ended together):",
    "",
    table(
      ["via", "streams", "held at once", "completed", "failed", "dropped upstream", "ramp s", "gw idle RSS MB", "gw RSS while held MB", "gw peak RSS MB", "gw longest stall ms"],
      results.openStreams.map((leg) => [
        leg.via === "rest" ? "REST SSE, HTTP/1.1" : "Connect, one HTTP/2 session",
        String(leg.count),
        String(leg.fake?.maxOpen ?? 0),
        String(leg.client.completed),
        String(leg.client.failed),
        String(leg.fake?.closedEarly ?? "?"),
        fixed(leg.client.allOpenMs / 1000, 1),
        mb(leg.gatewayIdleRssBytes),
        mb(leg.gatewayRssWhileHeldBytes),
        mb(leg.gatewayPeakRssBytes),
        fixed(leg.gatewayMaxEventLoopDelayMs, 0),
      ]),
    ),
    "",
    "Targets (issue 5):",
    "",
    table(
      ["", "target", "measured"],
      results.targets.map((check) => [check.pass === undefined ? "n/a" : check.pass ? "PASS" : "FAIL", check.target, check.measured]),
    ),
  ];
  const failures = [...results.unary, ...results.streams].filter((leg) => leg.result.errorSamples.length > 0);
  for (const leg of failures) lines.push("", `errors in ${leg.path} c=${leg.concurrency}: ${leg.result.errorSamples.join(" | ")}`);
  for (const leg of results.openStreams) {
    if (leg.client.errorSamples.length > 0) lines.push("", `errors holding streams via ${leg.via}: ${leg.client.errorSamples.join(" | ")}`);
  }
  if (results.unexpectedGatewayErrors.length > 0) {
    lines.push("", `the gateway reported unexpected errors:\n${results.unexpectedGatewayErrors.join("\n")}`);
  }
  return lines.join("\n");
}

/**
 * A CPU profile's summary as text: where the busy time of the measured window went, per request
 * served in it; `otherThreads` names the threads `otherThreadsBusyMs` was measured on.
 */
export function formatProfile(leg: string, summary: ProfileSummary, requests: number, otherThreadsBusyMs: number, otherThreads: string): string {
  const perRequest = (ms: number): string => fixed((ms * 1000) / Math.max(1, requests), 1);
  return [
    `CPU profile, ${leg} (${summary.profile}): ${fixed(summary.busyMs, 0)} ms busy of ${fixed(summary.wallMs, 0)} ms, ` +
      `${requests} requests, ${perRequest(summary.busyMs)} µs busy per request, GC ${fixed(summary.gcMs, 0)} ms; ` +
      `${perRequest(otherThreadsBusyMs)} µs per request on ${otherThreads}`,
    "",
    "Self time by area:",
    "",
    table(
      ["area", "µs/req", "% of busy"],
      summary.areas.slice(0, 16).map((a) => [a.area, perRequest(a.selfMs), fixed(a.pct, 1)]),
    ),
    "",
    "Top functions by self time:",
    "",
    table(
      ["function", "defined at", "hottest line", "self µs/req", "self %", "total %"],
      summary.topSelf.map((e) => [e.name, e.location, e.hottestLine ?? "", perRequest(e.selfMs), fixed(e.selfPct, 1), fixed(e.totalPct, 1)]),
    ),
    "",
    "Our code (src/, gen/) by total time, including what it calls:",
    "",
    table(
      ["function", "defined at", "total µs/req", "total %", "self %"],
      summary.topOwnInclusive.map((e) => [e.name, e.location, perRequest(e.totalMs), fixed(e.totalPct, 1), fixed(e.selfPct, 1)]),
    ),
  ].join("\n");
}

/** Self time per request by area, side by side: what the gateway spends beyond the bare proxy, and where. */
export function formatAreaComparison(
  gateway: { summary: ProfileSummary; requests: number },
  proxy: { summary: ProfileSummary; requests: number },
): string {
  const areas = new Map<string, [number, number]>();
  for (const a of gateway.summary.areas) areas.set(a.area, [(a.selfMs * 1000) / Math.max(1, gateway.requests), 0]);
  for (const a of proxy.summary.areas) {
    const entry = areas.get(a.area) ?? [0, 0];
    entry[1] = (a.selfMs * 1000) / Math.max(1, proxy.requests);
    areas.set(a.area, entry);
  }
  const rows = [...areas.entries()].sort((x, y) => y[1][0] - y[1][1] - (x[1][0] - x[1][1]));
  const total = (side: 0 | 1): number => rows.reduce((sum, [, values]) => sum + values[side], 0);
  return [
    "REST non-streaming at 64 connections, CPU per request by area: gateway vs. bare proxy (same load):",
    "",
    table(
      ["area", "gateway µs/req", "bare proxy µs/req", "difference"],
      [
        ...rows.filter(([, [g, p]]) => g >= 1 || p >= 1).map(([area, [g, p]]) => [area, fixed(g, 1), fixed(p, 1), signed(g - p, 1)]),
        ["all busy time", fixed(total(0), 1), fixed(total(1), 1), signed(total(0) - total(1), 1)],
      ],
    ),
  ].join("\n");
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)));
  // Numbers right-aligned, text left-aligned.
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, i) => (NUMERIC.test(cell) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(" | ")} |`;
  return [line(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)].join("\n");
}

const NUMERIC = /^[+\-–]?[\d.]*$/;

/** `value` with `digits` decimals, or a dash when it is not a finite number (a figure not measured). */
export function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "–";
}

function signed(value: number, digits = 3): string {
  return Number.isFinite(value) ? `${value >= 0 ? "+" : ""}${value.toFixed(digits)}` : "–";
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0);
}

/** "2–12 s", or "0.5 s" when every path was warmed for the same time. */
function warmUpSpan(meta: BenchResults["meta"]): string {
  const spans = meta.warmUps.map((warm) => warm.elapsedMs / 1000);
  const [shortest, longest] = [Math.min(...spans), Math.max(...spans)];
  return shortest === longest ? `${shortest} s` : `${shortest}–${longest} s`;
}

/**
 * A row of the paired-rounds table: each path's req/s, then the ratios the targets compare. The
 * median row gives the median of each round's ratio, not the ratio of the medians.
 */
function pairedRow(
  label: string,
  rps: (path: PairedPath) => number,
  ratio: (path: PairedPath, over: PairedPath) => number = (path, over) => rps(path) / rps(over),
): string[] {
  return [
    label,
    ...PAIRED_PATHS.map((path) => fixed(rps(path), 0)),
    fixed(ratio("REST bridge", "bare proxy"), 2),
    fixed(ratio("REST bridge", "direct"), 2),
    fixed(ratio("Connect binary h2", "REST bridge"), 2),
  ];
}
