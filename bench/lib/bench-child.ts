import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import type { ProcessStats } from "./parent-channel.js";

export interface BenchChildOptions {
  /** Environment of the child; the orchestrator's own is not inherited, so nothing leaks in by accident. */
  readonly env?: Record<string, string>;
  /** Node flags for the child, e.g. `--cpu-prof`. The orchestrator's (tsx's loader) are never passed on. */
  readonly execArgv?: readonly string[];
  /** How long the child has to say it is ready, in ms. Default 15_000. */
  readonly readyTimeoutMs?: number;
}

type Reply = { type: "reply"; id: number; result?: unknown; error?: string };
type Message = { type: "ready"; info: Record<string, unknown> } | Reply;

/**
 * One bench process (fake Azure, bare proxy, gateway or load generator) seen from the orchestrator:
 * started from compiled JavaScript with plain `node`, driven over IPC.
 */
export class BenchChild {
  readonly name: string;
  readonly info: Record<string, unknown>;
  readonly #process: ChildProcess;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #nextId = 1;
  #exited: Promise<number | null>;

  private constructor(name: string, child: ChildProcess, info: Record<string, unknown>, exited: Promise<number | null>) {
    this.name = name;
    this.#process = child;
    this.info = info;
    this.#exited = exited;
    child.on("message", (message: Message) => {
      if (message.type !== "reply") return;
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      if (message.error !== undefined) pending.reject(new Error(`${name}: ${message.error}`));
      else pending.resolve(message.result);
    });
    void exited.then((code) => {
      for (const pending of this.#pending.values()) pending.reject(new Error(`${name} exited (code ${code}) mid-request`));
      this.#pending.clear();
    });
  }

  static start(name: string, script: string, options: BenchChildOptions = {}): Promise<BenchChild> {
    const child = fork(script, [], {
      env: { PATH: process.env["PATH"] ?? "", ...options.env },
      execArgv: [...(options.execArgv ?? [])],
      // Children report over IPC; the gateway's request log still gets written, to nowhere, so its
      // cost is measured without a terminal in the way.
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`${name} did not start within ${options.readyTimeoutMs ?? 15_000} ms`));
      }, options.readyTimeoutMs ?? 15_000);
      const onMessage = (message: Message): void => {
        if (message.type !== "ready") return;
        clearTimeout(timer);
        child.off("message", onMessage);
        resolve(new BenchChild(name, child, message.info, exited));
      };
      child.on("message", onMessage);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with code ${code} before it was ready`));
      });
    });
  }

  get pid(): number {
    return this.#process.pid ?? -1;
  }

  /** Sends one request; fails if no answer comes within `timeoutMs`. */
  call<T>(op: string, args: unknown, timeoutMs: number): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.name}: ${op} took longer than ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#process.send({ id, op, args });
    });
  }

  /** The child's monotonic clock in µs, the time base of its `--cpu-prof` samples. */
  clockMicros(): Promise<number> {
    return this.call<number>("clock", undefined, 30_000);
  }

  stats(): Promise<ProcessStats> {
    return this.call<ProcessStats>("stats", undefined, 30_000);
  }

  /** CPU time the child has spent so far, user and system, in µs. */
  async cpuMicros(): Promise<number> {
    const stats = await this.stats();
    return stats.cpuUserMicros + stats.cpuSystemMicros;
  }

  /**
   * The kernel's high-water mark of the child's resident set (VmHWM), in bytes: the peak over its
   * whole life, including moments between two samples.
   */
  peakRssBytes(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, "utf8");
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
    if (match === null) throw new Error(`no VmHWM in /proc/${this.pid}/status`);
    return Number(match[1]) * 1024;
  }

  /** Asks the child to stop (letting it finish, e.g. write a CPU profile), then kills it if it lingers. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.#process.exitCode !== null || this.#process.signalCode !== null) return;
    this.#process.kill("SIGTERM");
    const timer = setTimeout(() => this.#process.kill("SIGKILL"), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}
