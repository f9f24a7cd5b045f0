/**
 * `npm run bench:compare -- <rev>`: a commit's gateway against the working tree's, in alternating
 * rounds under the same load, for changes smaller than the noise between two full runs.
 *
 *   npm run bench:compare -- HEAD                 REST at 64 connections, 8 rounds of 3 s each
 *   npm run bench:compare -- HEAD~2 --connect     Connect binary over HTTP/2 instead
 *   npm run bench:compare -- HEAD --stream        200-chunk streams (REST SSE, or with --connect StreamChatCompletion)
 *   npm run bench:compare -- HEAD --rounds=12 --seconds=5
 *   npm run bench:compare -- HEAD --stream --concurrency=1   one stream at a time: the first event's latency with nothing queued
 *   npm run bench:compare -- HEAD --node-arg=--single-threaded-gc   the working tree's gateway under a Node or V8 flag
 *
 * Each round starts both gateways afresh and warms them up in turns until the CPU per request of
 * each has settled (a fresh gateway keeps getting cheaper for 10–15 s of load while V8 compiles
 * it); then they take turns under one load generator against one fake Azure, so a machine that
 * speeds up or slows down during the run (these shared machines swing by 2×) touches both alike.
 * Prints each round, the medians, and in how many rounds the working tree spent less CPU per
 * request (or stream).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Http1Job } from "./children/load-http1.js";
import type { RpcJob } from "./children/load-rpc.js";
import type { SseJob } from "./children/load-sse.js";
import { BenchChild } from "./lib/bench-child.js";
import { compileBench, type BenchBuild } from "./lib/compile-bench.js";
import { STREAM_EVENTS } from "./lib/fast-fake-replies.js";
import { gatewayEnv } from "./lib/gateway-env.js";
import type { LoadResult } from "./lib/leg-result.js";
import { median } from "./lib/median.js";
import { fixed } from "./lib/results-table.js";
import { chatRequestJson } from "./lib/rpc-clients.js";
import { warmUpInTurns, type WarmUpLimits } from "./lib/warm-up.js";

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const MODEL = "azure/gpt-4o";
/** The gateways of a round are loaded in turns until the CPU per request of each has stopped falling (see warm-up.ts). */
const WARM_UP: WarmUpLimits = { minMs: 2_000, maxMs: 12_000, roundMs: 1_500 };

interface Round {
  readonly rps: number;
  readonly cpuMicrosPerOk: number;
  /** Streams only (else NaN): the median time to a stream's first event, in ms. */
  readonly firstEventP50Ms: number;
}

function option(args: readonly string[], name: string, fallback: number): number {
  const raw = args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const value = raw === undefined ? fallback : Number(raw);
  if (!(Number.isInteger(value) && value > 0)) throw new Error(`--${name} must be a positive whole number.`);
  return value;
}

async function startGateway(build: BenchBuild, name: string, fakeUrl: string, dataDir: string, key: string, execArgv: readonly string[]): Promise<BenchChild> {
  return BenchChild.start(name, join(build.outDir, "bench", "children", "gateway.js"), { execArgv, env: gatewayEnv(fakeUrl, key, dataDir) });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const rev = args.find((arg) => !arg.startsWith("--"));
  if (rev === undefined) throw new Error("Name the commit to compare the working tree with, e.g. npm run bench:compare -- HEAD");
  const connect = args.includes("--connect");
  const stream = args.includes("--stream");
  const rounds = option(args, "rounds", 8);
  const concurrency = option(args, "concurrency", 64);
  const legMs = option(args, "seconds", 3) * 1000;
  // Flags for the working tree's gateway alone: with `rev` at HEAD, what a flag does to the same code.
  const nodeArgs = args.filter((arg) => arg.startsWith("--node-arg=")).map((arg) => arg.slice("--node-arg=".length));

  const builds = [compileBench(REPO_ROOT, rev), compileBench(REPO_ROOT)];
  const labels = builds.map((build, i) => (i === 1 && nodeArgs.length > 0 ? `${build.commit} with ${nodeArgs.join(" ")}` : build.commit));
  const children: BenchChild[] = [];
  const dataDir = mkdtempSync(join(os.tmpdir(), "tensorwall-compare-"));
  try {
    // The working tree's fake and load generator serve both gateways.
    const tree = builds[1]!;
    const fake = await BenchChild.start("fake-azure", join(tree.outDir, "bench", "children", "fake-azure.js"));
    children.push(fake);
    const key = `gw_${randomBytes(32).toString("base64url")}`;
    const loadName = connect ? "load-rpc" : stream ? "load-sse" : "load-http1";
    const load = await BenchChild.start(loadName, join(tree.outDir, "bench", "children", `${loadName}.js`));
    children.push(load);
    const restHeaders = { "content-type": "application/json", authorization: `Bearer ${key}` };
    const run = (gateway: BenchChild, durationMs: number): Promise<LoadResult> => {
      const baseUrl = String(gateway.info["url"]);
      if (connect) {
        return load.call<LoadResult>(
          "run",
          { baseUrl, protocol: "connect", client: "lean", key, model: MODEL, concurrency, durationMs, stream } satisfies RpcJob,
          durationMs + 60_000,
        );
      }
      return stream
        ? load.call<LoadResult>(
            "run",
            {
              origin: baseUrl,
              path: "/v1/chat/completions",
              headers: restHeaders,
              body: chatRequestJson(MODEL, true),
              concurrency,
              durationMs,
            } satisfies SseJob,
            durationMs + 60_000,
          )
        : load.call<LoadResult>(
            "run",
            {
              url: `${baseUrl}/v1/chat/completions`,
              headers: restHeaders,
              body: chatRequestJson(MODEL, false),
              connections: concurrency,
              durationMs,
            } satisfies Http1Job,
            durationMs + 60_000,
          );
    };
    const path = `${connect ? "Connect binary over HTTP/2" : "REST"}${stream ? `, ${STREAM_EVENTS}-chunk streams,` : ""}`;
    const unit = stream ? "stream" : "req";
    const rate = stream ? "streams/s" : "req/s";
    process.stdout.write(`${path} at ${concurrency} concurrent, ${rounds} rounds of ${legMs / 1000} s: ${labels[0]} against the working tree (${labels[1]})\n`);
    const results: Round[][] = [[], []];
    for (let round = 0; round < rounds; round++) {
      // Fresh processes every round: two processes of the same code can differ by several percent
      // for their whole life (where the JIT and the allocator happened to put things), which one
      // pair kept for every round would report as a difference between the commits.
      const gateways: BenchChild[] = [];
      try {
        // Started inside the try, so a second gateway that fails to start does not leave the first running.
        for (const [i, build] of builds.entries()) {
          gateways.push(await startGateway(build, `gateway-${i}`, String(fake.info["url"]), dataDir, key, i === 1 ? nodeArgs : []));
        }
        await warmUpInTurns(
          gateways.map((gateway) => ({ load: (durationMs: number) => run(gateway, durationMs), cpuMicros: () => gateway.cpuMicros() })),
          WARM_UP,
        );
        // Alternate who goes first, so neither always runs right after the other.
        const order = round % 2 === 0 ? [0, 1] : [1, 0];
        for (const i of order) {
          const before = await gateways[i]!.cpuMicros();
          const result = await run(gateways[i]!, legMs);
          const spent = (await gateways[i]!.cpuMicros()) - before;
          if (result.errors > 0) throw new Error(`${labels[i]}: ${result.errors} errors (${result.errorSamples.join("; ")})`);
          results[i]!.push({ rps: result.rps, cpuMicrosPerOk: spent / Math.max(1, result.ok), firstEventP50Ms: result.ttfb?.p50Ms ?? Number.NaN });
        }
      } finally {
        await Promise.all(gateways.map((gateway) => gateway.stop()));
      }
      const [base, own] = [results[0]![round]!, results[1]![round]!];
      const firstEvent = stream ? `, first event p50 ${fixed(base.firstEventP50Ms, 2)} against ${fixed(own.firstEventP50Ms, 2)} ms` : "";
      process.stdout.write(
        `round ${round + 1}: ${base.rps.toFixed(0)} against ${own.rps.toFixed(0)} ${rate}, ${base.cpuMicrosPerOk.toFixed(1)} against ${own.cpuMicrosPerOk.toFixed(1)} gateway CPU µs/${unit}${firstEvent}\n`,
      );
    }
    const lessCpu = results[1]!.filter((round, i) => round.cpuMicrosPerOk < results[0]![i]!.cpuMicrosPerOk).length;
    for (const [i, label] of labels.entries()) {
      const own = results[i]!;
      const firstEvent = stream ? `, first event p50 ${fixed(median(own.map((r) => r.firstEventP50Ms)), 2)} ms` : "";
      process.stdout.write(
        `${label}: median ${median(own.map((r) => r.rps)).toFixed(0)} ${rate}, ${median(own.map((r) => r.cpuMicrosPerOk)).toFixed(1)} gateway CPU µs/${unit}${firstEvent}\n`,
      );
    }
    process.stdout.write(`The working tree spent less CPU per ${stream ? "stream" : "request"} in ${lessCpu} of ${rounds} rounds.\n`);
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench:compare: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
