import { GARBAGE_COLLECTOR, PROGRAM, summarizeFunctions, type CallFrame, type FunctionTotals, type ProfileSummary } from "./profile-summary.js";
import type { SourceMapLookup } from "./source-map-lookup.js";

/** One sample of `perf script -F comm,tid,ip,sym`: its thread, and its stack's symbols, innermost first. */
export interface PerfSample {
  readonly tid: number;
  readonly symbols: readonly string[];
}

/**
 * The samples in `perf script -F comm,tid,ip,sym` output, read a line at a time: a line naming the
 * command and thread, one line per stack frame (address, then symbol), and an empty line.
 */
export async function* perfSamples(lines: AsyncIterable<string>): AsyncGenerator<PerfSample> {
  let tid: number | undefined;
  let symbols: string[] = [];
  for await (const line of lines) {
    if (line.trim() === "") {
      if (tid !== undefined) yield { tid, symbols };
      tid = undefined;
      symbols = [];
    } else if (/^\s/.test(line)) {
      symbols.push(line.trim().replace(/^[\da-f]+\s+/, ""));
    } else {
      tid = Number(/\s(\d+)\s*$/.exec(line)?.[1] ?? Number.NaN);
    }
  }
  if (tid !== undefined) yield { tid, symbols };
}

// `--perf-basic-prof` names a function `JS:` + a tier mark (* optimized, ^ baseline, ~ interpreted,
// + maglev) + its name + its script's URL with a 1-based line and column.
const JS_SYMBOL = /^JS:[*^~+]?(.*?) ?(\S+):(\d+):(\d+)$/;

/** The JavaScript function a symbol names, or undefined for native code (V8's built-ins, Node, libc, the kernel, WebAssembly). */
export function jsFrameOf(symbol: string): CallFrame | undefined {
  const match = JS_SYMBOL.exec(symbol);
  if (match === null) return undefined;
  return { functionName: match[1]!, url: match[2]!, lineNumber: Number(match[3]) - 1, columnNumber: Number(match[4]) - 1 };
}

const GC_SYMBOL = /Scaveng|MarkCompact|ConcurrentMarking|IncrementalMarking|MinorMC|Sweeper|Heap::CollectGarbage|Heap::PerformGarbageCollection/;

export interface PerfRecording {
  /** The thread whose samples are summarized: a Node process's main thread has the process's id. */
  readonly tid: number;
  readonly frequencyHz: number;
  readonly wallMs: number;
  /** Names the recording in the summary. */
  readonly profile: string;
}

/**
 * Where one thread's time on a CPU went, summarized as `summarizeProfile` summarizes a `--cpu-prof`
 * profile. A sample in native code counts for the nearest JavaScript function below it on the
 * stack, as V8's profiler counts built-ins for their caller: `JSON.parse` inside the Azure client,
 * and the kernel's side of a socket write, are their callers' time. A garbage collection counts as
 * the collector's, even when an allocation in our code set it off, and a sample with no JavaScript
 * on its stack as the program's (the event loop, I/O, Node's C++), as V8's profiler has them.
 * Unlike `--cpu-prof`, which samples wall time, a thread waiting for a CPU or blocked in a call is
 * not sampled at all.
 */
export async function summarizePerfSamples(
  samples: AsyncIterable<PerfSample>,
  recording: PerfRecording,
  repoRoot: string,
  maps: SourceMapLookup,
  top = 15,
): Promise<{ summary: ProfileSummary; otherThreadsBusyMs: number }> {
  const sampleMicros = 1e6 / recording.frequencyHz;
  const functions = new Map<string, FunctionTotals>();
  const totalsOf = (frame: CallFrame): FunctionTotals => {
    const key = `${frame.functionName}|${frame.url}|${frame.lineNumber}|${frame.columnNumber}`;
    let totals = functions.get(key);
    if (totals === undefined) {
      totals = { frame, selfMicros: 0, totalMicros: 0, lineTicks: new Map() };
      functions.set(key, totals);
    }
    return totals;
  };
  let ownSamples = 0;
  let otherSamples = 0;
  for await (const sample of samples) {
    if (sample.tid !== recording.tid) {
      otherSamples += 1;
      continue;
    }
    ownSamples += 1;
    const onStack = new Set<FunctionTotals>();
    let collecting = false;
    for (const symbol of sample.symbols) {
      const frame = jsFrameOf(symbol);
      if (frame !== undefined) onStack.add(totalsOf(frame));
      else if (onStack.size === 0 && GC_SYMBOL.test(symbol)) collecting = true;
    }
    const [innermost] = onStack;
    const self = collecting || innermost === undefined ? totalsOf(outsideJavaScript(collecting ? GARBAGE_COLLECTOR : PROGRAM)) : innermost;
    self.selfMicros += sampleMicros;
    onStack.add(self);
    // A recursive function counts once per sample.
    for (const totals of onStack) totals.totalMicros += sampleMicros;
  }
  const busyMicros = Math.max(1, ownSamples * sampleMicros);
  const summary = summarizeFunctions([...functions.values()], { profile: recording.profile, wallMicros: recording.wallMs * 1000, busyMicros }, repoRoot, maps, top);
  return { summary, otherThreadsBusyMs: (otherSamples * sampleMicros) / 1000 };
}

function outsideJavaScript(name: typeof GARBAGE_COLLECTOR | typeof PROGRAM): CallFrame {
  return { functionName: name, url: "", lineNumber: -1, columnNumber: -1 };
}
