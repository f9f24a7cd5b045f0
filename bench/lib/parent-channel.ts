import { monitorEventLoopDelay } from "node:perf_hooks";

/**
 * The child side of the bench's IPC: a child announces it is ready, then answers numbered requests
 * from the orchestrator. Every child also reports its own CPU time and memory, so the orchestrator
 * can charge each leg's cost to the process that paid it.
 */

/** What a child answers to `stats`. */
export interface ProcessStats {
  readonly cpuUserMicros: number;
  readonly cpuSystemMicros: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** The longest the event loop was blocked since the previous `stats`, in ms (10 ms resolution). */
  readonly eventLoopMaxDelayMs: number;
}

export type RequestHandlers = Record<string, (args: unknown) => unknown>;

interface Request {
  readonly id: number;
  readonly op: string;
  readonly args: unknown;
}

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

export function processStats(): ProcessStats {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const eventLoopMaxDelayMs = loopDelay.max / 1e6;
  loopDelay.reset();
  return { cpuUserMicros: cpu.user, cpuSystemMicros: cpu.system, rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, eventLoopMaxDelayMs };
}

/**
 * Now on the monotonic clock, in µs: the clock V8 stamps CPU-profile samples with, so the
 * orchestrator can mark which samples belong to a measured window.
 */
function clockMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Answers the orchestrator's requests, then tells it `ready` with `info`. Exits when the orchestrator goes away. */
export function serveParent(info: Record<string, unknown>, handlers: RequestHandlers): void {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error("This bench child must be started by bench/run-bench.ts (it needs an IPC channel).");
  // An orphaned load generator or server would keep loading the machine after a crashed run.
  process.on("disconnect", () => process.exit(0));
  // Exiting normally rather than dying by the signal lets `--cpu-prof` write its profile.
  if (process.listenerCount("SIGTERM") === 0) process.once("SIGTERM", () => process.exit(0));
  process.on("message", (message: Request) => {
    const handler = message.op === "stats" ? processStats : message.op === "clock" ? clockMicros : handlers[message.op];
    if (handler === undefined) {
      send({ type: "reply", id: message.id, error: `unknown op ${message.op}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(message.args))
      .then(
        (result) => send({ type: "reply", id: message.id, result }),
        (error: unknown) => send({ type: "reply", id: message.id, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
      );
  });
  send({ type: "ready", info });
}
