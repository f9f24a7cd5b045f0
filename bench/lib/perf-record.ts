import { spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createInterface } from "node:readline";

/** How often perf samples each thread: 4999 rather than 5000 a second, so as not to fall into step with the kernel's timer. */
export const PERF_FREQUENCY_HZ = 4999;

/** Throws, saying what to install, when Linux perf cannot run. */
export function requirePerf(): void {
  const probe = spawnSync("perf", ["--version"], { encoding: "utf8" });
  if (probe.status !== 0) throw new Error("--perf needs Linux perf on the PATH (Debian: apt-get install linux-perf)");
}

/** Samples every thread of process `pid`, with its stack, for `seconds`, into `file` (replaced, where perf would keep it as `.old`). */
export function recordPerf(pid: number, seconds: number, file: string): Promise<void> {
  rmSync(file, { force: true });
  const args = ["record", "-F", String(PERF_FREQUENCY_HZ), "-g", "-p", String(pid), "-o", file, "--", "sleep", String(seconds)];
  return new Promise((resolve, reject) => {
    const perf = spawn("perf", args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    perf.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    perf.on("error", reject);
    perf.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`perf record exited with code ${code}: ${stderr.trim()}`))));
  });
}

/**
 * The recording as `perf script -F comm,tid,ip,sym` writes it, a line at a time. JavaScript frames
 * are named from the map a process started with `--perf-basic-prof` writes to /tmp, which is
 * removed once read: it holds nothing else, and each process leaves megabytes of it. The map only
 * grows, so code compiled where collected code once was can be named after the older function: a
 * function that only ran at start-up (Node's CommonJS lexer, a module's top level) showing up
 * under a timer. In the bench's legs such names took up to about 2% of a leg's samples.
 */
export async function* perfScriptLines(file: string, pid: number): AsyncGenerator<string> {
  const perf = spawn("perf", ["script", "-i", file, "-F", "comm,tid,ip,sym"], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  perf.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve, reject) => {
    perf.on("error", reject);
    perf.on("close", resolve);
  });
  try {
    yield* createInterface({ input: perf.stdout, crlfDelay: Number.POSITIVE_INFINITY });
    const code = await exited;
    if (code !== 0) throw new Error(`perf script exited with code ${code}: ${stderr.trim()}`);
  } finally {
    perf.kill();
    rmSync(`/tmp/perf-${pid}.map`, { force: true });
  }
}
