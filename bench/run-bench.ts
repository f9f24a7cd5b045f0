/**
 * `npm run bench` (issue 5): what the gateway adds to every call, measured against a fast fake Azure
 * OpenAI and a bare pass-through proxy in the same run. See the README's Performance section.
 *
 *   npm run bench                  full run, about 4 minutes
 *   npm run bench -- --quick       smoke run, 30–40 s (or BENCH_QUICK=1)
 *   npm run bench -- --profile     CPU-profiles the gateway under the REST and Connect legs instead
 *   npm run bench -- --profile --concurrency=1   ...with one request at a time instead of 64
 *   npm run bench -- --perf        the same legs sampled by Linux perf: time on a CPU, every thread
 *   npm run bench -- --rev=HEAD    measures a commit's src/ and gen/ rather than the working tree's
 *
 * Every process is separate: the fake, the bare proxy, the gateway and each load generator run in
 * their own Node process, so none of them shares an event loop with another. They do share the
 * CPUs, so each load generator is as cheap per request as it can be while still checking every
 * reply: autocannon for HTTP/1.1, and for Connect and gRPC a loop of calls framed by hand on one
 * connection of the bench's own HTTP/2 client (children/load-rpc.ts), because connect-node's client
 * and node:http2's client session spend about as much CPU per call as the gateway. One extra leg,
 * at 64 concurrent, goes through connect-node's client to show what a typical Connect client costs
 * ("client CPU µs/req").
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { Http1Job } from "./children/load-http1.js";
import type { RpcJob } from "./children/load-rpc.js";
import type { SseJob } from "./children/load-sse.js";
import type { OpenStreamsJob, OpenStreamsResult } from "./children/open-streams.js";
import { BenchChild } from "./lib/bench-child.js";
import { benchPlan, type BenchPlan } from "./lib/bench-plan.js";
import {
  PAIRED_PATHS,
  type BenchResults,
  type OpenStreamsLeg,
  type PairedPath,
  type PairedRound,
  type StreamLeg,
  type StreamPath,
  type UnaryLeg,
  type UnaryPath,
} from "./lib/bench-results.js";
import { compileBench, type BenchBuild } from "./lib/compile-bench.js";
import { COMPLETION_CONTENT } from "./lib/fast-fake-replies.js";
import { BENCH_AZURE_KEY, gatewayEnv } from "./lib/gateway-env.js";
import type { HeldGroupReport } from "./lib/held-streams.js";
import type { LoadResult } from "./lib/leg-result.js";
import { median } from "./lib/median.js";
import { PERF_FREQUENCY_HZ, perfScriptLines, recordPerf, requirePerf } from "./lib/perf-record.js";
import { perfSamples, summarizePerfSamples } from "./lib/perf-summary.js";
import { summarizeProfile, type ProfileSummary } from "./lib/profile-summary.js";
import { formatAreaComparison, formatProfile, formatResults } from "./lib/results-table.js";
import { chatRequestJson } from "./lib/rpc-clients.js";
import { SourceMapLookup } from "./lib/source-map-lookup.js";
import { checkTargets, isComplete } from "./lib/targets.js";
import { warmUp, type WarmUpLimits } from "./lib/warm-up.js";

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS_DIR = join(REPO_ROOT, "bench", "results");
const DEPLOYMENT = "gpt-4o";
const MODEL = `azure/${DEPLOYMENT}`;
const AZURE_PATH = `/openai/deployments/${DEPLOYMENT}/chat/completions?api-version=2024-10-21`;

interface Processes {
  readonly build: BenchBuild;
  readonly key: string;
  readonly fake: BenchChild;
  readonly children: BenchChild[];
  /** Removed when the run ends; each gateway started keeps its SQLite file in a folder of its own here. */
  readonly dataDir: string;
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function script(outDir: string, name: string): string {
  return join(outDir, "bench", "children", `${name}.js`);
}

async function startGateway(p: Processes, execArgv: readonly string[] = []): Promise<BenchChild> {
  const gateway = await BenchChild.start("gateway", script(p.build.outDir, "gateway"), {
    execArgv,
    env: gatewayEnv(String(p.fake.info["url"]), p.key, p.dataDir),
  });
  p.children.push(gateway);
  return gateway;
}

async function startChild(p: Processes, name: string, env: Record<string, string> = {}): Promise<BenchChild> {
  const child = await BenchChild.start(name, script(p.build.outDir, name), { env });
  p.children.push(child);
  return child;
}

const url = (child: BenchChild): string => String(child.info["url"]);

/**
 * The paths the throughput targets compare, warmed until the process serving them has settled;
 * the others get the shortest warm-up, which keeps the run under 5 minutes (they share the
 * gateway's code with these, so they are warm by then too).
 */
const SETTLED_PATHS: ReadonlySet<string> = new Set<UnaryPath>(["bare proxy", "REST bridge", "Connect binary h2"]);

function warmUpLimits(plan: BenchPlan): WarmUpLimits {
  return { minMs: plan.warmupMs, maxMs: plan.warmupMaxMs, roundMs: plan.warmupRoundMs };
}

/** One HTTP request, checked, before any load: a path that answers errors quickly would look fast. */
async function checkPath(label: string, target: string, headers: Record<string, string>): Promise<void> {
  const response = await fetch(target, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: chatRequestJson(MODEL, false) });
  const text = await response.text();
  const content = (JSON.parse(text) as { choices?: { message?: { content?: string } }[] }).choices?.[0]?.message?.content;
  if (response.status !== 200 || content !== COMPLETION_CONTENT) throw new Error(`${label} answered ${response.status}: ${text.slice(0, 300)}`);
}

/** Runs `load` and charges the CPU the middle process (gateway or proxy) and the fake spent to it. */
async function measured(
  load: () => Promise<LoadResult>,
  mid: BenchChild | undefined,
  fake: BenchChild,
): Promise<{ result: LoadResult; midCpuMicrosPerOk: number | undefined; fakeCpuMicrosPerOk: number }> {
  const [midBefore, fakeBefore] = await Promise.all([mid?.cpuMicros(), fake.cpuMicros()]);
  const result = await load();
  const [midAfter, fakeAfter] = await Promise.all([mid?.cpuMicros(), fake.cpuMicros()]);
  const ok = Math.max(1, result.ok);
  return {
    result,
    midCpuMicrosPerOk: mid === undefined ? undefined : (midAfter! - midBefore!) / ok,
    fakeCpuMicrosPerOk: (fakeAfter - fakeBefore) / ok,
  };
}

async function runSuite(plan: BenchPlan, p: Processes): Promise<BenchResults> {
  const loadAverageAtStart = os.loadavg()[0] ?? 0;
  if (loadAverageAtStart > 0.5) log(`the 1-minute load average is ${loadAverageAtStart.toFixed(2)}: other processes compete for the CPUs, expect lower, noisier numbers`);
  const fakeUrl = url(p.fake);
  const proxy = await startChild(p, "bare-proxy", { BENCH_UPSTREAM_URL: fakeUrl, BENCH_UPSTREAM_KEY: BENCH_AZURE_KEY });
  const gateway = await startGateway(p);
  const [http1, rpc, sse] = await Promise.all([startChild(p, "load-http1"), startChild(p, "load-rpc"), startChild(p, "load-sse")]);
  const gatewayUrl = url(gateway);
  const auth = { authorization: `Bearer ${p.key}` };
  await checkPath("the fake", `${fakeUrl}${AZURE_PATH}`, { "api-key": BENCH_AZURE_KEY });
  await checkPath("the bare proxy", `${url(proxy)}/v1/chat/completions`, {});
  await checkPath("the gateway", `${gatewayUrl}/v1/chat/completions`, auth);

  const callTimeoutMs = (durationMs: number): number => durationMs + 60_000;
  const http1Job = (target: string, headers: Record<string, string>) => (connections: number, durationMs: number) =>
    http1.call<LoadResult>(
      "run",
      { url: target, headers: { "content-type": "application/json", ...headers }, body: chatRequestJson(MODEL, false), connections, durationMs } satisfies Http1Job,
      callTimeoutMs(durationMs),
    );
  const rpcJob = (protocol: RpcJob["protocol"], stream: boolean, client: RpcJob["client"] = "lean") => (concurrency: number, durationMs: number) =>
    rpc.call<LoadResult>(
      "run",
      { baseUrl: gatewayUrl, protocol, client, key: p.key, model: MODEL, concurrency, durationMs, stream } satisfies RpcJob,
      callTimeoutMs(durationMs),
    );
  const sseJob = (origin: string, path: string, headers: Record<string, string>) => (concurrency: number, durationMs: number) =>
    sse.call<LoadResult>(
      "run",
      { origin, path, headers: { "content-type": "application/json", ...headers }, body: chatRequestJson(MODEL, true), concurrency, durationMs } satisfies SseJob,
      callTimeoutMs(durationMs),
    );

  type Load = (concurrency: number, durationMs: number) => Promise<LoadResult>;
  // A fourth element, where there is one: the only concurrency that path is measured at.
  const unaryPaths: [UnaryPath, Load, BenchChild | undefined, number?][] = [
    ["direct", http1Job(`${fakeUrl}${AZURE_PATH}`, { "api-key": BENCH_AZURE_KEY }), undefined],
    ["bare proxy", http1Job(`${url(proxy)}/v1/chat/completions`, {}), proxy],
    ["REST bridge", http1Job(`${gatewayUrl}/v1/chat/completions`, auth), gateway],
    ["Connect binary h2", rpcJob("connect", false), gateway],
    ["gRPC", rpcJob("grpc", false), gateway],
    ["Connect binary h2 (connect-node client)", rpcJob("connect", false, "connect-node"), gateway, 64],
  ];
  const streamPaths: [StreamPath, Load, BenchChild | undefined][] = [
    ["direct", sseJob(fakeUrl, AZURE_PATH, { "api-key": BENCH_AZURE_KEY }), undefined],
    ["REST bridge SSE", sseJob(gatewayUrl, "/v1/chat/completions", auth), gateway],
    ["StreamChatCompletion", rpcJob("connect", true), gateway],
  ];

  log(
    plan.warmupMaxMs > plan.warmupMs
      ? `warming up ${unaryPaths.length + streamPaths.length} paths at 64 concurrent, ${plan.warmupMs} ms each, the proxy, REST and Connect until the process serving them stops getting cheaper (at most ${plan.warmupMaxMs} ms)`
      : `warming up ${unaryPaths.length + streamPaths.length} paths at 64 concurrent, ${plan.warmupMs} ms each`,
  );
  const warmUps: BenchResults["meta"]["warmUps"][number][] = [];
  for (const [path, load, mid] of [...unaryPaths, ...streamPaths]) {
    const watched = mid !== undefined && SETTLED_PATHS.has(path) ? mid : undefined;
    const warm = await warmUp({ load: (durationMs) => load(64, durationMs), cpuMicros: watched && (() => watched.cpuMicros()) }, warmUpLimits(plan));
    warmUps.push({ path, elapsedMs: warm.elapsedMs, cpuMicrosPerOk: warm.cpuMicrosPerOk });
    if (watched !== undefined) log(`warmed ${path} for ${warm.elapsedMs} ms: ${warm.cpuMicrosPerOk.map((micros) => micros.toFixed(0)).join(" → ")} µs of CPU per request`);
  }

  const unary: UnaryLeg[] = [];
  for (const concurrency of plan.unaryConcurrencies) {
    const legs: Omit<UnaryLeg, "ratioToDirect" | "ratioToProxy">[] = [];
    for (const [path, load, mid, onlyAt] of unaryPaths) {
      if (onlyAt !== undefined && onlyAt !== concurrency) continue;
      const leg = { path, concurrency, ...(await measured(() => load(concurrency, plan.legMs), mid, p.fake)) };
      log(`${path} c=${concurrency}: ${leg.result.rps.toFixed(0)} req/s, p50 ${leg.result.latency.p50Ms.toFixed(3)} ms, ${leg.result.errors} errors`);
      legs.push(leg);
    }
    const direct = legs[0]!.result.rps;
    const proxied = legs[1]!.result.rps;
    for (const leg of legs) unary.push({ ...leg, ratioToDirect: leg.result.rps / direct, ratioToProxy: leg.result.rps / proxied });
  }

  const pairedRounds = await measurePairedRounds(plan, (path) => unaryPaths.find(([candidate]) => candidate === path)![1]);
  const restOverProxy = median(pairedRounds.map((round) => round.rps["REST bridge"] / round.rps["bare proxy"]));
  log(`${plan.pairedRounds} paired rounds at 64: REST at ${restOverProxy.toFixed(2)}× the bare proxy (median)`);

  const streams: StreamLeg[] = [];
  for (const concurrency of plan.streamConcurrencies) {
    let direct: LoadResult | undefined;
    for (const [path, load, mid] of streamPaths) {
      const { result, midCpuMicrosPerOk } = await measured(() => load(concurrency, plan.legMs), mid, p.fake);
      direct ??= result;
      streams.push({
        path,
        concurrency,
        result,
        midCpuMicrosPerOk,
        addedTtfbP50Ms: (result.ttfb?.p50Ms ?? Number.NaN) - (direct.ttfb?.p50Ms ?? Number.NaN),
        addedTotalP50Ms: result.latency.p50Ms - direct.latency.p50Ms,
      });
      log(`stream ${path} c=${concurrency}: TTFB p50 ${result.ttfb?.p50Ms.toFixed(3)} ms, total p50 ${result.latency.p50Ms.toFixed(3)} ms, ${result.errors} errors`);
    }
  }
  const unexpectedGatewayErrors = await gateway.call<string[]>("unexpectedErrors", undefined, 5_000);
  await Promise.all([http1, rpc, sse, proxy, gateway].map((child) => child.stop()));

  const openStreams: OpenStreamsLeg[] = [];
  for (const via of plan.openStreamKinds) openStreams.push(await holdOpenStreams(plan, p, via));

  const partial = {
    meta: {
      date: new Date().toISOString(),
      mode: plan.mode,
      node: process.versions.node,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
      legMs: plan.legMs,
      warmupMs: plan.warmupMs,
      warmupMaxMs: plan.warmupMaxMs,
      pairedRoundMs: plan.pairedRoundMs,
      warmUps,
      commit: p.build.commit,
      loadAverageAtStart,
    },
    unary,
    pairedRounds,
    streams,
    openStreams,
    unexpectedGatewayErrors: [...unexpectedGatewayErrors, ...openStreams.flatMap((leg) => leg.unexpectedGatewayErrors)],
  };
  return { ...partial, targets: checkTargets(partial) };
}

/** The throughput targets' paths in turn, a short leg each at 64 concurrent, round after round (see BenchResults.pairedRounds). */
async function measurePairedRounds(
  plan: BenchPlan,
  loadOf: (path: PairedPath) => (concurrency: number, durationMs: number) => Promise<LoadResult>,
): Promise<PairedRound[]> {
  const rounds: PairedRound[] = [];
  for (let round = 0; round < plan.pairedRounds; round++) {
    const rps: Partial<Record<PairedPath, number>> = {};
    let errors = 0;
    // Each path leads a round in turn, so none always follows the same one.
    for (let i = 0; i < PAIRED_PATHS.length; i++) {
      const path = PAIRED_PATHS[(round + i) % PAIRED_PATHS.length]!;
      const result = await loadOf(path)(64, plan.pairedRoundMs);
      rps[path] = result.rps;
      errors += result.errors;
    }
    rounds.push({ rps: rps as Record<PairedPath, number>, errors });
  }
  return rounds;
}

/**
 * A fresh gateway (so its peak RSS is this leg's) holds `plan.openStreams` slow streams at once;
 * the orchestrator samples its RSS while the fake holds them all.
 */
async function holdOpenStreams(plan: BenchPlan, p: Processes, via: "rest" | "connect"): Promise<OpenStreamsLeg> {
  const gateway = await startGateway(p);
  const client = await startChild(p, "open-streams");
  const idle = await gateway.stats();
  const deployment = `hold-${plan.openStreams}-${plan.holdMs}-${via}`;
  let rssWhileHeld = 0;
  let maxLoopDelayMs = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      try {
        // A gateway busy ending thousands of streams at once answers late; the sample is then skipped.
        const [stats, held] = await Promise.all([gateway.stats(), p.fake.call<Record<string, HeldGroupReport>>("held", undefined, 30_000)]);
        if (held[deployment]?.phase === "holding") rssWhileHeld = Math.max(rssWhileHeld, stats.rssBytes);
        maxLoopDelayMs = Math.max(maxLoopDelayMs, stats.eventLoopMaxDelayMs);
      } catch (error) {
        log(`RSS sample skipped: ${error instanceof Error ? error.message : String(error)}`);
      }
      await sleep(200);
    }
  })();
  log(`holding ${plan.openStreams} streams open via ${via}`);
  const job: OpenStreamsJob = { kind: via, baseUrl: url(gateway), key: p.key, model: `azure/${deployment}`, count: plan.openStreams, maxOpening: 256 };
  const result = await client.call<OpenStreamsResult>("run", job, 180_000);
  sampling = false;
  await sampler;
  const fake = (await p.fake.call<Record<string, HeldGroupReport>>("held", undefined, 5_000))[deployment];
  const leg: OpenStreamsLeg = {
    via,
    count: plan.openStreams,
    client: result,
    fake,
    gatewayIdleRssBytes: idle.rssBytes,
    gatewayRssWhileHeldBytes: rssWhileHeld,
    gatewayPeakRssBytes: gateway.peakRssBytes(),
    gatewayMaxEventLoopDelayMs: Math.max(maxLoopDelayMs, (await gateway.stats()).eventLoopMaxDelayMs),
    unexpectedGatewayErrors: await gateway.call<string[]>("unexpectedErrors", undefined, 5_000),
  };
  log(`${via}: ${result.completed}/${plan.openStreams} completed, ${fake?.maxOpen ?? 0} held at once, peak RSS ${(leg.gatewayPeakRssBytes / 1048576).toFixed(0)} MB`);
  await Promise.all([client.stop(), gateway.stop()]);
  return leg;
}

/** How a profiled leg is sampled: V8's profiler (wall time, JavaScript threads), or Linux perf (time on a CPU, every thread). */
type Sampler = "cpu-prof" | "perf";

/** perf starts sampling this long after the load, and the load goes on this long after it stops. */
const PERF_MARGIN_MS = 500;

/**
 * `--profile`: the gateway under `node --cpu-prof`, one fresh process per profiled leg (REST and
 * Connect, unary and streaming, 64 concurrent unless told otherwise), plus the bare proxy under the REST load for
 * comparison; then where the time went, per request, in terms of our source lines. `--perf`: the
 * same legs sampled by Linux perf, which counts only time on a CPU: `--cpu-prof` samples wall
 * time, so a process preempted inside a system call is charged the wait.
 */
async function runProfiles(plan: BenchPlan, p: Processes, concurrency: number, sampler: Sampler): Promise<string> {
  const profileDir = join(RESULTS_DIR, "profiles");
  mkdirSync(profileDir, { recursive: true });
  const [rpc, http1, sse] = await Promise.all([startChild(p, "load-rpc"), startChild(p, "load-http1"), startChild(p, "load-sse")]);
  const maps = new SourceMapLookup(p.build.sourceRoot);
  const restHeaders = { "content-type": "application/json", authorization: `Bearer ${p.key}` };
  type Load = (baseUrl: string, durationMs: number) => Promise<LoadResult>;
  const restUnary: Load = (baseUrl, durationMs) =>
    http1.call("run", { url: `${baseUrl}/v1/chat/completions`, headers: restHeaders, body: chatRequestJson(MODEL, false), connections: concurrency, durationMs } satisfies Http1Job, durationMs + 60_000);
  const rpcLoad = (stream: boolean): Load => (baseUrl, durationMs) =>
    rpc.call("run", { baseUrl, protocol: "connect", client: "lean", key: p.key, model: MODEL, concurrency, durationMs, stream } satisfies RpcJob, durationMs + 60_000);
  const restStream: Load = (baseUrl, durationMs) =>
    sse.call("run", { origin: baseUrl, path: "/v1/chat/completions", headers: restHeaders, body: chatRequestJson(MODEL, true), concurrency, durationMs } satisfies SseJob, durationMs + 60_000);
  const legs: [name: string, load: Load, server: "gateway" | "bare-proxy"][] = [
    ["rest-unary", restUnary, "gateway"],
    ["bare-proxy-unary", restUnary, "bare-proxy"],
    ["connect-unary", rpcLoad(false), "gateway"],
    ["rest-stream", restStream, "gateway"],
    ["connect-stream", rpcLoad(true), "gateway"],
  ];
  const profiled = new Map<string, { summary: ProfileSummary; requests: number }>();
  const sections: string[] = [];
  for (const [name, load, server] of legs) {
    const legSampler =
      sampler === "perf"
        ? perfSampler(plan, join(profileDir, `${name}.perf.data`), p.build.sourceRoot, maps)
        : cpuProfSampler(plan, name, profileDir, p.build.sourceRoot, maps);
    const child =
      server === "gateway"
        ? await startGateway(p, legSampler.execArgv)
        : await BenchChild.start("bare-proxy", script(p.build.outDir, "bare-proxy"), {
            execArgv: legSampler.execArgv,
            env: { BENCH_UPSTREAM_URL: url(p.fake), BENCH_UPSTREAM_KEY: BENCH_AZURE_KEY },
          });
    p.children.push(child);
    const warm = await warmUp({ load: (durationMs) => load(url(child), durationMs), cpuMicros: () => child.cpuMicros() }, warmUpLimits(plan));
    const { result, requests, summary, otherThreadsBusyMs } = await legSampler.measure(child, (durationMs) => load(url(child), durationMs));
    log(`profiled ${name}: ${result.rps.toFixed(0)} req/s under the profiler, ${warm.errors + result.errors} errors`);
    profiled.set(name, { summary, requests });
    writeFileSync(join(RESULTS_DIR, `profile-${name}.json`), `${JSON.stringify({ requests, otherThreadsBusyMs, ...summary }, null, 2)}\n`);
    sections.push(
      formatProfile(
        `${server} under ${name} at ${concurrency} concurrent, ${result.rps.toFixed(0)} req/s while profiled`,
        summary,
        requests,
        otherThreadsBusyMs,
        legSampler.otherThreads,
      ),
    );
  }
  await Promise.all([rpc.stop(), http1.stop(), sse.stop()]);
  const gatewayRest = profiled.get("rest-unary");
  const proxyRest = profiled.get("bare-proxy-unary");
  if (gatewayRest !== undefined && proxyRest !== undefined) sections.unshift(formatAreaComparison(gatewayRest, proxyRest));
  return sections.join("\n\n");
}

/** A profiled leg's measured window: the load's result, the requests served in the window, and where the time went. */
interface ProfiledLeg {
  readonly result: LoadResult;
  readonly requests: number;
  readonly summary: ProfileSummary;
  readonly otherThreadsBusyMs: number;
}

/** How one leg's process is started and its measured window sampled; it is stopped by the end of `measure`. */
interface LegSampler {
  readonly execArgv: readonly string[];
  /** The threads otherThreadsBusyMs counts. */
  readonly otherThreads: string;
  measure(child: BenchChild, load: (durationMs: number) => Promise<LoadResult>): Promise<ProfiledLeg>;
}

function cpuProfSampler(plan: BenchPlan, name: string, profileDir: string, sourceRoot: string, maps: SourceMapLookup): LegSampler {
  // A folder per leg and Node's own file names: each thread (the ledger writer's too) writes a
  // profile of its own, and under one --cpu-prof-name they would overwrite each other.
  const legDir = join(profileDir, name);
  rmSync(legDir, { recursive: true, force: true });
  return {
    execArgv: ["--cpu-prof", `--cpu-prof-dir=${legDir}`],
    otherThreads: "other JavaScript threads",
    async measure(child, load) {
      const fromMicros = await child.clockMicros();
      const result = await load(plan.profileMs);
      const toMicros = await child.clockMicros();
      // Stopped, the process writes its profiles.
      await child.stop();
      const threads = collectThreadProfiles(legDir, profileDir, name);
      const window = { fromMicros, toMicros };
      return {
        result,
        requests: result.ok,
        summary: summarizeProfile(threads.main, sourceRoot, maps, window),
        otherThreadsBusyMs: threads.others.reduce((sum, file) => sum + summarizeProfile(file, sourceRoot, maps, window).busyMs, 0),
      };
    },
  };
}

function perfSampler(plan: BenchPlan, recording: string, sourceRoot: string, maps: SourceMapLookup): LegSampler {
  // --perf-basic-prof also starts V8's own log, by default a file per isolate in the working directory.
  const v8Log = `${recording}.v8.log`;
  return {
    execArgv: ["--perf-basic-prof", `--logfile=${v8Log}`, "--no-logfile-per-isolate"],
    otherThreads: "its other threads (V8's helpers, libuv's pool and the gateway's ledger writer)",
    async measure(child, load) {
      const sampled = sleep(PERF_MARGIN_MS).then(() => recordPerf(child.pid, plan.profileMs / 1000, recording));
      const [result] = await Promise.all([load(plan.profileMs + 2 * PERF_MARGIN_MS), sampled]);
      await child.stop();
      const recorded = { tid: child.pid, frequencyHz: PERF_FREQUENCY_HZ, wallMs: plan.profileMs, profile: relative(process.cwd(), recording) };
      const { summary, otherThreadsBusyMs } = await summarizePerfSamples(perfSamples(perfScriptLines(recording, child.pid)), recorded, sourceRoot, maps);
      rmSync(v8Log, { force: true });
      // The load is steady for the whole recording, which starts and ends inside it.
      return { result, requests: Math.round((result.rps * plan.profileMs) / 1000), summary, otherThreadsBusyMs };
    },
  };
}

/**
 * Moves a profiled process's profiles out of its folder: the main thread's (thread id 0 in Node's
 * CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile) to `<leg>.cpuprofile`, any worker thread's to
 * `<leg>.thread-<tid>.cpuprofile`.
 */
function collectThreadProfiles(legDir: string, profileDir: string, leg: string): { main: string; others: string[] } {
  let main: string | undefined;
  const others: string[] = [];
  for (const file of readdirSync(legDir)) {
    const threadId = /^CPU\.\d+\.\d+\.\d+\.(\d+)\.\d+\.cpuprofile$/.exec(file)?.[1];
    if (threadId === undefined) continue;
    const target = join(profileDir, threadId === "0" ? `${leg}.cpuprofile` : `${leg}.thread-${threadId}.cpuprofile`);
    renameSync(join(legDir, file), target);
    if (threadId === "0") main = target;
    else others.push(target);
  }
  rmSync(legDir, { recursive: true, force: true });
  if (main === undefined) throw new Error(`${leg}: the profiled process wrote no main-thread profile in ${legDir}`);
  return { main, others };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const plan = benchPlan(args.includes("--quick") || process.env["BENCH_QUICK"] === "1");
  const sampler: Sampler | undefined = args.includes("--perf") ? "perf" : args.includes("--profile") ? "cpu-prof" : undefined;
  if (sampler === "perf") requirePerf();
  const profileConcurrency = Number(args.find((arg) => arg.startsWith("--concurrency="))?.slice("--concurrency=".length) ?? 64);
  if (!(Number.isInteger(profileConcurrency) && profileConcurrency > 0)) throw new Error("--concurrency must be a positive whole number.");
  const rev = args.find((arg) => arg.startsWith("--rev="))?.slice("--rev=".length);
  const children: BenchChild[] = [];
  const dataDir = mkdtempSync(join(os.tmpdir(), "tensorwall-bench-"));
  const deadline = setTimeout(() => {
    log(`the run took longer than ${plan.deadlineMs / 1000} s; stopping`);
    for (const child of children) void child.stop(0);
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(2);
  }, plan.deadlineMs);
  try {
    log(`compiling ${rev === undefined ? "the working tree's" : `${rev}'s`} src/ and gen/ with bench/ into bench/.build`);
    const build = compileBench(REPO_ROOT, rev);
    const fake = await BenchChild.start("fake-azure", script(build.outDir, "fake-azure"));
    children.push(fake);
    const p: Processes = { build, fake, children, dataDir, key: `gw_${randomBytes(32).toString("base64url")}` };
    mkdirSync(RESULTS_DIR, { recursive: true });
    if (sampler !== undefined) {
      const report = await runProfiles(plan, p, profileConcurrency, sampler);
      writeFileSync(join(RESULTS_DIR, "profiles.md"), `${report}\n`);
      const recordings =
        sampler === "perf" ? "bench/results/profiles/*.perf.data (perf report -i; JavaScript frames unnamed once the run ends)" : "bench/results/profiles/*.cpuprofile (open in Chrome DevTools)";
      process.stdout.write(`${report}\n\nProfiles: ${recordings}; summaries: bench/results/profile-*.json, bench/results/profiles.md\n`);
      return 0;
    }
    const results = await runSuite(plan, p);
    writeFileSync(join(RESULTS_DIR, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`${formatResults(results)}\n\nRaw results: bench/results/latest.json\n`);
    // Performance targets are reported, not enforced: timing on shared machines is noisy. Errors,
    // dropped streams and gateway bugs are correctness failures and fail the run.
    const broken =
      [...results.unary, ...results.streams].some((leg) => leg.result.errors > 0) ||
      results.openStreams.some((leg) => !isComplete(leg)) ||
      results.unexpectedGatewayErrors.length > 0;
    return broken ? 1 : 0;
  } finally {
    clearTimeout(deadline);
    await Promise.all(children.map((child) => child.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? error.stack ?? error.message : String(error));
    process.exit(1);
  },
);
