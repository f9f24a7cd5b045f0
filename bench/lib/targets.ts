import type { BenchResults, OpenStreamsLeg, PairedPath, StreamLeg, TargetCheck, UnaryLeg } from "./bench-results.js";
import { median } from "./median.js";

const RSS_LIMIT_BYTES = 400 * 1024 * 1024;

/** Issue 5's targets, checked against one run's numbers. */
export function checkTargets(results: Omit<BenchResults, "targets">): TargetCheck[] {
  const unary = (path: UnaryLeg["path"], concurrency: number): UnaryLeg | undefined =>
    results.unary.find((leg) => leg.path === path && leg.concurrency === concurrency);
  const stream = (path: StreamLeg["path"], concurrency: number): StreamLeg | undefined =>
    results.streams.find((leg) => leg.path === path && leg.concurrency === concurrency);
  const checks: TargetCheck[] = [];
  const check = (target: string, measured: string | undefined, pass: boolean | undefined): void => {
    checks.push({ target, measured: measured ?? "not measured", pass: measured === undefined ? undefined : pass });
  };

  // Throughput ratios from the paired rounds (the median round's), with the single legs' for reference.
  const throughput = (target: string, path: PairedPath, over: PairedPath, atLeast: number): void => {
    const ratios = results.pairedRounds.map((round) => round.rps[path] / round.rps[over]);
    const legs = [unary(path, 64), unary(over, 64)] as const;
    const single = legs[0] && legs[1] ? `; single legs ${pct(legs[0].result.rps / legs[1].result.rps)}, ${rps(legs[0])} vs ${rps(legs[1])}` : "";
    const ratio = ratios.length === 0 ? undefined : median(ratios);
    check(
      target,
      ratio === undefined ? undefined : `${pct(ratio)} (median of ${ratios.length} paired rounds, ${pct(Math.min(...ratios))}–${pct(Math.max(...ratios))}${single})`,
      ratio !== undefined && ratio >= atLeast,
    );
  };
  throughput("REST non-streaming req/s at 64 connections >= 75% of the bare proxy's", "REST bridge", "bare proxy", 0.75);
  throughput("REST non-streaming req/s at 64 connections >= 20% of direct", "REST bridge", "direct", 0.2);
  throughput("Connect binary over HTTP/2 req/s >= REST bridge's (64 concurrent)", "Connect binary h2", "REST bridge", 1);

  // The latency target names no door, so both are judged: REST, and Connect over HTTP/2.
  const direct1 = unary("direct", 1);
  for (const [label, path] of [["REST", "REST bridge"], ["Connect binary h2", "Connect binary h2"]] as const) {
    const leg = unary(path, 1);
    const addedP50 = leg && direct1 && leg.result.latency.p50Ms - direct1.result.latency.p50Ms;
    const addedP99 = leg && direct1 && leg.result.latency.p99Ms - direct1.result.latency.p99Ms;
    check(`${label} added latency at concurrency 1, p50 <= 0.35 ms`, addedP50 === undefined ? undefined : ms(addedP50), addedP50 !== undefined && addedP50 <= 0.35);
    check(`${label} added latency at concurrency 1, p99 <= 2 ms`, addedP99 === undefined ? undefined : ms(addedP99), addedP99 !== undefined && addedP99 <= 2);
  }

  for (const path of ["REST bridge SSE", "StreamChatCompletion"] as const) {
    const leg = stream(path, 1);
    check(`${path}: added time to first byte p50 (concurrency 1) <= 1 ms`, leg && ms(leg.addedTtfbP50Ms), leg !== undefined && leg.addedTtfbP50Ms <= 1);
  }

  for (const leg of results.openStreams) {
    check(
      `${leg.count} open streams via ${leg.via}: gateway peak RSS <= 400 MB`,
      `${mb(leg.gatewayPeakRssBytes)} MB`,
      leg.gatewayPeakRssBytes <= RSS_LIMIT_BYTES,
    );
    check(`${leg.count} open streams via ${leg.via}: all held at once, none dropped`, openStreamsVerdict(leg), isComplete(leg));
  }
  if (results.openStreams.length === 0) check("5000 open streams: gateway peak RSS <= 400 MB", undefined, undefined);

  const legsWithErrors = [...results.unary, ...results.streams].filter((leg) => leg.result.errors > 0);
  const pairedErrors = results.pairedRounds.reduce((sum, round) => sum + round.errors, 0);
  const failures = [
    ...legsWithErrors.map((leg) => `${leg.path} c=${leg.concurrency}: ${leg.result.errors}`),
    ...(pairedErrors > 0 ? [`paired rounds: ${pairedErrors}`] : []),
  ];
  check(
    "zero errors in every leg",
    failures.length === 0
      ? `0 errors in ${results.unary.length + results.streams.length} legs and ${results.pairedRounds.length} paired rounds`
      : failures.join("; "),
    failures.length === 0 && results.unexpectedGatewayErrors.length === 0,
  );
  return checks;
}

export function isComplete(leg: OpenStreamsLeg): boolean {
  return (
    leg.client.completed === leg.count &&
    leg.client.failed === 0 &&
    leg.fake !== undefined &&
    leg.fake.maxOpen >= leg.count &&
    leg.fake.closedEarly === 0
  );
}

function openStreamsVerdict(leg: OpenStreamsLeg): string {
  return `${leg.client.completed}/${leg.count} completed, ${leg.fake?.maxOpen ?? 0} held at once, ${leg.client.failed} failed, ${leg.fake?.closedEarly ?? 0} dropped upstream`;
}

function rps(leg: UnaryLeg): string {
  return `${Math.round(leg.result.rps)} req/s`;
}

function pct(ratio: number): string {
  return `${(100 * ratio).toFixed(0)}%`;
}

function ms(value: number): string {
  return `${value >= 0 ? "+" : ""}${value.toFixed(3)} ms`;
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0);
}
