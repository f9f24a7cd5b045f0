import { spawn } from "node:child_process";

export interface ProcessResult {
  /** The exit code; null when the process was killed. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

export interface RunOptions {
  readonly cwd?: string;
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Killed after this long, so a hung client fails its test instead of the whole run. */
  readonly killAfterMs: number;
}

/** Runs a command to its end and collects what it printed; never rejects for a non-zero exit. */
export function runProcess(command: string, args: readonly string[], options: RunOptions): Promise<ProcessResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env } });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    const killer = setTimeout(() => child.kill("SIGKILL"), options.killAfterMs);
    child.on("error", (error) => {
      clearTimeout(killer);
      reject(new Error(`could not run ${command}: ${error.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(killer);
      resolve({
        code,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
        elapsedMs: performance.now() - started,
      });
    });
  });
}

/** Like runProcess, but a failed command is an error that shows what it printed. */
export async function runOrThrow(command: string, args: readonly string[], options: RunOptions): Promise<ProcessResult> {
  const result = await runProcess(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited with ${result.code}\n${result.stdout}${result.stderr}`);
  }
  return result;
}
