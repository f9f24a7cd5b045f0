import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger, flushLogger, poolEventLog, unexpectedErrorLog } from "../../src/logging/index.js";

function captured(level: "info" | "warn" = "info") {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { logger, lines };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("the logger", () => {
  it("writes JSON lines with the level by name and an ISO time, from LOG_LEVEL up", () => {
    const { logger, lines } = captured("warn");
    logger.info("dropped");
    logger.warn({ port: 8000 }, "kept");
    expect(lines).toEqual([expect.objectContaining({ level: "warn", msg: "kept", port: 8000 })]);
    expect(new Date(lines[0]!["time"] as string).toISOString()).toBe(lines[0]!["time"]);
  });

  it("stamps each line with the current time, also when lines share a millisecond", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { logger, lines } = captured();
    vi.setSystemTime(Date.UTC(2026, 0, 2, 3, 4, 5, 6));
    logger.info("first");
    logger.info("same millisecond");
    vi.setSystemTime(Date.UTC(2026, 0, 2, 3, 4, 5, 7));
    logger.info("next millisecond");
    expect(lines.map((line) => line["time"])).toEqual(["2026-01-02T03:04:05.006Z", "2026-01-02T03:04:05.006Z", "2026-01-02T03:04:05.007Z"]);
  });

  it("reports an unexpected error as one error line with its stack", () => {
    const { logger, lines } = captured();
    unexpectedErrorLog(logger)(new TypeError("cannot read properties of undefined"));
    expect(lines).toEqual([
      expect.objectContaining({
        level: "error",
        msg: "unexpected error",
        err: expect.objectContaining({ type: "TypeError", message: "cannot read properties of undefined", stack: expect.stringContaining("TypeError") }),
      }),
    ]);
  });

  it("logs circuit transitions and cooldowns with the deployment", () => {
    const { logger, lines } = captured();
    const log = poolEventLog(logger);
    log("eastus/gpt4o", { type: "circuit", to: "open", reason: "failure_rate", atMs: 0 });
    log("eastus/gpt4o", { type: "circuit", to: "half_open", atMs: 1 });
    log("eastus/gpt4o", { type: "cooldown", untilMs: Date.UTC(2025, 5, 1), atMs: 2 });
    expect(lines.map(({ msg, deployment, reason, until }) => ({ msg, deployment, reason, until }))).toEqual([
      { msg: "circuit open", deployment: "eastus/gpt4o", reason: "failure_rate", until: undefined },
      { msg: "circuit half_open", deployment: "eastus/gpt4o", reason: undefined, until: undefined },
      { msg: "cooldown", deployment: "eastus/gpt4o", reason: undefined, until: "2025-06-01T00:00:00.000Z" },
    ]);
  });

  it("flushes a destination that buffers", async () => {
    let flushed = false;
    const destination = {
      write: () => {},
      flush: (done: () => void) => {
        flushed = true;
        done();
      },
    };
    const logger = createLogger({ level: "info", destination });
    await flushLogger(logger);
    expect(flushed).toBe(true);
  });
});
