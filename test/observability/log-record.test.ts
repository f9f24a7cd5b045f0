import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger, logRecord } from "../../src/logging/index.js";

afterEach(() => {
  vi.useRealTimers();
});

function rawLines(level: "info" | "debug" = "info") {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void lines.push(line) } });
  return { logger, lines };
}

describe("logRecord", () => {
  it("writes the very line pino writes for the same record, message and level", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.UTC(2026, 10, 26, 12, 0, 0, 1));
    const { logger, lines } = rawLines("debug");
    const child = logger.child({ component: "gateway" });
    const records: object[] = [
      {
        requestId: 'quote " backslash \\ newline \n tab \t',
        unicode: "Grüße, 東京 🚀",
        control: "\u0001\u001f",
        latencyMs: 12.3,
        tokens: 0,
        notANumber: Number.NaN,
        infinite: Number.POSITIVE_INFINITY,
        streamed: false,
        skipped: undefined,
        prompt: [{ role: "user", content: "hi" }],
        completion: ["a", "b"],
      },
      {},
      { onlyUndefined: undefined },
    ];
    for (const [target, level] of [
      [logger, "info"],
      [logger, "warn"],
      [logger, "debug"],
      [child, "info"],
    ] as const) {
      for (const record of records) {
        target[level](record, "request");
        logRecord(target, level, record, "request");
      }
    }
    expect(lines).toHaveLength(24);
    for (let i = 0; i < lines.length; i += 2) expect(lines[i + 1]).toBe(lines[i]);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "info", notANumber: null, infinite: null, streamed: false, msg: "request" });
    expect(JSON.parse(lines[18]!)).toMatchObject({ level: "info", component: "gateway", msg: "request" });
  });

  it("lets pino write to a multistream, which picks destinations by the level pino tells it", () => {
    const infoLines: string[] = [];
    const warnLines: string[] = [];
    const destination = pino.multistream([
      { level: "info", stream: { write: (line: string) => void infoLines.push(line) } },
      { level: "warn", stream: { write: (line: string) => void warnLines.push(line) } },
    ]);
    const logger = createLogger({ level: "info", destination });
    logRecord(logger, "info", { requestId: "a" }, "request");
    logRecord(logger, "warn", { requestId: "b" }, "request");
    expect(infoLines.map((line) => JSON.parse(line) as unknown)).toEqual([
      expect.objectContaining({ requestId: "a", level: "info" }),
      expect.objectContaining({ requestId: "b", level: "warn" }),
    ]);
    expect(warnLines.map((line) => JSON.parse(line) as unknown)).toEqual([expect.objectContaining({ requestId: "b", level: "warn" })]);
  });
});
