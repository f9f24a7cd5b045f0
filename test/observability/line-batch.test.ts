import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LineBatch, type BatchSink } from "../../src/logging/line-batch.js";

/** A sink that records what it is handed and holds it until flushed. */
function recordingSink(fd = -1) {
  const written: string[] = [];
  const held: string[] = [];
  const sink: BatchSink = {
    write: (chunk) => void held.push(chunk),
    flush: (done) => {
      written.push(...held.splice(0));
      done();
    },
    flushSync: () => {
      for (const chunk of held.splice(0)) writeSync(fd, chunk);
    },
  };
  return { sink, written, held };
}

describe("LineBatch", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("hands lines over as one string once they reach the batch size, in order", () => {
    const { sink, held } = recordingSink();
    const batch = new LineBatch(sink, { minChars: 10, fd: -1 });
    batch.write("abc\n");
    batch.write("def\n");
    expect(held).toEqual([]);
    batch.write("ghi\n");
    expect(held).toEqual(["abc\ndef\nghi\n"]);
    batch.write("jkl\n");
    expect(held).toEqual(["abc\ndef\nghi\n"]);
  });

  it("hands over what it has when flushed, and calls back once the sink has written it", async () => {
    const { sink, written } = recordingSink();
    const batch = new LineBatch(sink, { minChars: 4096, fd: -1 });
    batch.write("one\n");
    batch.write("two\n");
    await new Promise<void>((resolve) => batch.flush(() => resolve()));
    expect(written).toEqual(["one\ntwo\n"]);
    batch.handOver();
    await new Promise<void>((resolve) => batch.flush(() => resolve()));
    expect(written).toEqual(["one\ntwo\n"]);
  });

  it("writes synchronously on flushSync: what the sink holds, then the lines still gathered", () => {
    const dir = mkdtempSync(join(tmpdir(), "tensorwall-lines-"));
    dirs.push(dir);
    const path = join(dir, "out.log");
    const fd = openSync(path, "w");
    try {
      const { sink } = recordingSink(fd);
      const batch = new LineBatch(sink, { minChars: 8, fd });
      batch.write("first\n");
      batch.write("second\n");
      batch.write("third\n");
      batch.flushSync();
      expect(readFileSync(path, "utf8")).toBe("first\nsecond\nthird\n");
    } finally {
      closeSync(fd);
    }
  });

  it("gets the gateway logger's last lines to stdout when the process exits without flushing", () => {
    const script = [
      'import { createLogger } from "./src/logging/index.ts";',
      'const logger = createLogger({ level: "info" });',
      'for (let i = 0; i < 3; i++) logger.info({ i }, "before exit");',
      "process.exit(0);",
    ].join("\n");
    const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000 });
    expect(result.stderr).toBe("");
    const lines = result.stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => [line["msg"], line["i"]])).toEqual([["before exit", 0], ["before exit", 1], ["before exit", 2]]);
  });
});
