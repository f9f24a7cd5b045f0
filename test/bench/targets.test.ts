import { describe, expect, it } from "vitest";
import type { BenchResults, PairedRound, UnaryLeg } from "../../bench/lib/bench-results.js";
import { checkTargets } from "../../bench/lib/targets.js";

function round(direct: number, proxy: number, rest: number, connect: number, errors = 0): PairedRound {
  return { rps: { direct, "bare proxy": proxy, "REST bridge": rest, "Connect binary h2": connect }, errors };
}

/** A run's results with only these legs and rounds measured. */
function resultsOf(measured: { unary?: UnaryLeg[]; pairedRounds?: PairedRound[] }): Omit<BenchResults, "targets"> {
  return { meta: {}, unary: [], pairedRounds: [], streams: [], openStreams: [], unexpectedGatewayErrors: [], ...measured } as unknown as Omit<BenchResults, "targets">;
}

function verdict(pairedRounds: PairedRound[], target: string): { pass: boolean | undefined; measured: string } {
  const check = checkTargets(resultsOf({ pairedRounds })).find((candidate) => candidate.target.startsWith(target));
  return { pass: check?.pass, measured: check?.measured ?? "" };
}

describe("checkTargets on paired rounds", () => {
  // REST over the proxy by round: 0.80, 0.70, 0.76 (median 0.76), where the ratio of the medians would be 0.74.
  const rounds = [round(20_000, 5_000, 4_000, 4_400), round(20_000, 6_000, 4_200, 4_000), round(20_000, 5_500, 4_180, 4_180)];

  it("judges each throughput target on the median of the rounds' ratios", () => {
    expect(verdict(rounds, "REST non-streaming req/s at 64 connections >= 75%")).toEqual({ pass: true, measured: "76% (median of 3 paired rounds, 70%–80%)" });
    expect(verdict(rounds, "REST non-streaming req/s at 64 connections >= 20% of direct").pass).toBe(true);
    expect(verdict(rounds, "Connect binary over HTTP/2").measured).toBe("100% (median of 3 paired rounds, 95%–110%)");
    expect(verdict(rounds.slice(1), "REST non-streaming req/s at 64 connections >= 75%").pass).toBe(false);
  });

  it("counts errors in paired rounds as errors of the run", () => {
    expect(verdict([...rounds, round(20_000, 5_000, 4_000, 4_000, 3)], "zero errors")).toEqual({ pass: false, measured: "paired rounds: 3" });
  });
});

describe("checkTargets on latency at concurrency 1", () => {
  const leg = (path: UnaryLeg["path"], p50Ms: number, p99Ms: number): UnaryLeg =>
    ({ path, concurrency: 1, result: { latency: { p50Ms, p99Ms } } }) as unknown as UnaryLeg;
  const unary = [leg("direct", 0.1, 0.5), leg("REST bridge", 0.4, 2.4), leg("Connect binary h2", 0.3, 3)];
  const checks = checkTargets(resultsOf({ unary }));
  const judged = (target: string) => checks.find((check) => check.target === target);

  it("judges what each door adds to direct, REST and Connect alike", () => {
    expect(judged("REST added latency at concurrency 1, p50 <= 0.35 ms")).toMatchObject({ measured: "+0.300 ms", pass: true });
    expect(judged("REST added latency at concurrency 1, p99 <= 2 ms")).toMatchObject({ measured: "+1.900 ms", pass: true });
    expect(judged("Connect binary h2 added latency at concurrency 1, p50 <= 0.35 ms")).toMatchObject({ measured: "+0.200 ms", pass: true });
    expect(judged("Connect binary h2 added latency at concurrency 1, p99 <= 2 ms")).toMatchObject({ measured: "+2.500 ms", pass: false });
  });
});
