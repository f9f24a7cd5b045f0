import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { SourceMapLookup } from "./source-map-lookup.js";

/** One function's share of a CPU profile. */
export interface ProfileEntry {
  readonly name: string;
  /** Where the function is defined: repo-relative .ts for our code, else the JavaScript file. */
  readonly location: string;
  /** The line inside it that took the most samples, where the profile says. */
  readonly hottestLine: string | undefined;
  readonly selfMs: number;
  readonly totalMs: number;
  /** Of the busy time (everything but idle). */
  readonly selfPct: number;
  readonly totalPct: number;
}

export interface ProfileSummary {
  readonly profile: string;
  readonly wallMs: number;
  readonly busyMs: number;
  readonly gcMs: number;
  /** Self time by area: a src/ folder, an npm package, Node internals, GC. Percent of busy time. */
  readonly areas: readonly { readonly area: string; readonly selfMs: number; readonly pct: number }[];
  /** The functions that spent the most time themselves. */
  readonly topSelf: readonly ProfileEntry[];
  /** Our own functions (src/, gen/) by time including what they call. */
  readonly topOwnInclusive: readonly ProfileEntry[];
}

/** A JavaScript function as profiles name it: line and column 0-based. */
export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: number[];
  readonly positionTicks?: { line: number; ticks: number }[];
}

interface CpuProfile {
  readonly nodes: ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: number[];
  readonly timeDeltas: number[];
}

/** What a profile says of one function: time in it, time with it on the stack, and samples by line (1-based). */
export interface FunctionTotals {
  readonly frame: CallFrame;
  selfMicros: number;
  totalMicros: number;
  readonly lineTicks: Map<number, number>;
}

/** Where a sample falls outside JavaScript, as V8's profiles name it. */
export const PROGRAM = "(program)";
export const GARBAGE_COLLECTOR = "(garbage collector)";
const PSEUDO_FRAMES = new Set(["(root)", PROGRAM, "(idle)", GARBAGE_COLLECTOR]);

/** A stretch of the profiled process's monotonic clock, in µs (see BenchChild.clockMicros). */
export interface ProfileWindow {
  readonly fromMicros: number;
  readonly toMicros: number;
}

/**
 * Reads a `--cpu-prof` profile and says where the time went, in terms of our source files. With
 * `window`, only samples inside it count, so start-up and warm-up do not blur the per-request costs.
 */
export function summarizeProfile(path: string, repoRoot: string, maps: SourceMapLookup, window?: ProfileWindow, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  // A sample lasts until the next one; the last gets the average.
  const average = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length);
  const fromMicros = Math.max(profile.startTime, window?.fromMicros ?? profile.startTime);
  const toMicros = Math.min(profile.endTime, window?.toMicros ?? profile.endTime);
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at < fromMicros || at > toMicros) return;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? average));
  });

  const functions = new Map<string, FunctionTotals>();
  const keyOf = (frame: CallFrame): string => `${frame.functionName}|${frame.url}|${frame.lineNumber}|${frame.columnNumber}`;
  const onStack = new Map<string, number>();
  // Iterative depth-first walk: total = self + children; a recursive function counts once per stack.
  const root = profile.nodes[0]!;
  const totals = new Map<number, number>();
  const order: ProfileNode[] = [];
  const stack: ProfileNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    order.push(node);
    for (const child of node.children ?? []) stack.push(byId.get(child)!);
  }
  for (let i = order.length - 1; i >= 0; i -= 1) {
    const node = order[i]!;
    let total = selfMicros.get(node.id) ?? 0;
    for (const child of node.children ?? []) total += totals.get(child) ?? 0;
    totals.set(node.id, total);
  }
  const visit = (node: ProfileNode): void => {
    const key = keyOf(node.callFrame);
    let entry = functions.get(key);
    if (entry === undefined) {
      entry = { frame: node.callFrame, selfMicros: 0, totalMicros: 0, lineTicks: new Map() };
      functions.set(key, entry);
    }
    entry.selfMicros += selfMicros.get(node.id) ?? 0;
    for (const tick of node.positionTicks ?? []) entry.lineTicks.set(tick.line, (entry.lineTicks.get(tick.line) ?? 0) + tick.ticks);
    const depth = onStack.get(key) ?? 0;
    if (depth === 0) entry.totalMicros += totals.get(node.id) ?? 0;
    onStack.set(key, depth + 1);
    for (const child of node.children ?? []) visit(byId.get(child)!);
    onStack.set(key, depth);
  };
  visit(root);

  const wallMicros = Math.max(1, toMicros - fromMicros);
  const idleMicros = [...functions.values()].filter((f) => f.frame.functionName === "(idle)").reduce((sum, f) => sum + f.selfMicros, 0);
  return summarizeFunctions([...functions.values()], { profile: relative(process.cwd(), path), wallMicros, busyMicros: Math.max(1, wallMicros - idleMicros) }, repoRoot, maps, top);
}

/** A profile's functions summarized: by area, by self time, and our own by total time. */
export function summarizeFunctions(
  all: readonly FunctionTotals[],
  span: { readonly profile: string; readonly wallMicros: number; readonly busyMicros: number },
  repoRoot: string,
  maps: SourceMapLookup,
  top: number,
): ProfileSummary {
  const { wallMicros, busyMicros } = span;
  const gcMicros = all.filter((f) => f.frame.functionName === GARBAGE_COLLECTOR).reduce((sum, f) => sum + f.selfMicros, 0);

  const describe = (f: FunctionTotals): ProfileEntry => {
    const hottest = [...f.lineTicks.entries()].sort((a, b) => b[1] - a[1])[0];
    return {
      name: f.frame.functionName === "" ? "(anonymous)" : f.frame.functionName,
      location: locate(f.frame.url, f.frame.lineNumber, f.frame.columnNumber, repoRoot, maps),
      // positionTicks lines are 1-based; the lookup takes 0-based.
      hottestLine: hottest === undefined ? undefined : locate(f.frame.url, hottest[0] - 1, 0, repoRoot, maps),
      selfMs: f.selfMicros / 1000,
      totalMs: f.totalMicros / 1000,
      selfPct: (100 * f.selfMicros) / busyMicros,
      totalPct: (100 * f.totalMicros) / busyMicros,
    };
  };

  const areaTotals = new Map<string, number>();
  for (const f of all) {
    if (f.frame.functionName === "(idle)" || f.selfMicros === 0) continue;
    const area = areaOf(f.frame, repoRoot, maps);
    areaTotals.set(area, (areaTotals.get(area) ?? 0) + f.selfMicros);
  }
  return {
    profile: span.profile,
    wallMs: wallMicros / 1000,
    busyMs: busyMicros / 1000,
    gcMs: gcMicros / 1000,
    areas: [...areaTotals.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([area, micros]) => ({ area, selfMs: micros / 1000, pct: (100 * micros) / busyMicros })),
    topSelf: all
      .filter((f) => f.frame.functionName !== "(idle)" && f.frame.functionName !== "(root)")
      .sort((a, b) => b.selfMicros - a.selfMicros)
      .slice(0, top)
      .map(describe),
    topOwnInclusive: all
      .filter((f) => isOwnCode(f.frame, repoRoot, maps))
      .sort((a, b) => b.totalMicros - a.totalMicros)
      .slice(0, top)
      .map(describe),
  };
}

function locate(url: string, line: number, column: number, repoRoot: string, maps: SourceMapLookup): string {
  if (url === "") return "(native)";
  const original = maps.lookup(url, line, column);
  if (original !== undefined) return `${original.file}:${original.line}`;
  const file = url.startsWith("file://") ? relative(repoRoot, fileURLToPath(url)) : url;
  // Packages may resolve outside the measured tree (a --rev snapshot links node_modules).
  const packageAt = file.indexOf("node_modules/");
  return `${packageAt === -1 ? file : file.slice(packageAt)}:${line + 1}`;
}

function isOwnCode(frame: CallFrame, repoRoot: string, maps: SourceMapLookup): boolean {
  const area = areaOf(frame, repoRoot, maps);
  return area.startsWith("src/") || area === "gen/";
}

/** src/<folder>, gen/, an npm package, node internals, or a V8 pseudo-frame. */
function areaOf(frame: CallFrame, repoRoot: string, maps: SourceMapLookup): string {
  if (PSEUDO_FRAMES.has(frame.functionName) && frame.url === "") return frame.functionName;
  if (frame.url === "") return "(native)";
  if (frame.url.startsWith("node:")) return nodeArea(frame.url);
  const original = maps.lookup(frame.url, frame.lineNumber, frame.columnNumber);
  const file = original?.file ?? (frame.url.startsWith("file://") ? relative(repoRoot, fileURLToPath(frame.url)) : frame.url);
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (packageMatch !== null) return packageMatch[1]!;
  const parts = file.split("/");
  if (parts[0] === "src") return `src/${parts[1]?.endsWith(".ts") ? "" : parts[1] ?? ""}`;
  if (parts[0] === "gen") return "gen/";
  return parts[0] ?? file;
}

/** Node's own modules by subsystem: `node:internal/http2/core` is http2, `node:_http_server` is http. */
function nodeArea(url: string): string {
  const path = url.replace(/^node:(internal\/)?/, "").split("/");
  const first = path[0] ?? "";
  if (first.startsWith("_http_")) return "node:http";
  if (first === "stream_base_commons") return "node:net";
  if (first === "per_context") return `node:${path[1] ?? first}`;
  if (first === "modules" || first === "bootstrap") return "node:module loading";
  return `node:${first.replace(/^_/, "")}`;
}
