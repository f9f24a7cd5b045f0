import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** V8's pretenuring decisions to tenure a literal, as `--trace-pretenuring` prints them, when the probe ran. */
function tenureDecisions(...probeArgs: string[]): number {
  const run = spawnSync(
    process.execPath,
    ["--trace-pretenuring", "--trace-pretenuring-statistics", "--import", "tsx", "test/server/pretenuring-probe.ts", ...probeArgs],
    { cwd: ROOT, encoding: "utf8", env: { PATH: process.env.PATH }, timeout: 60_000 },
  );
  expect(run.status, run.stderr).toBe(0);
  const start = run.stdout.indexOf("probe: start");
  expect(start, "the probe says where its own work starts").toBeGreaterThanOrEqual(0);
  const probed = run.stdout.slice(start);
  return probed.split("\n").filter((line) => /pretenuring: .*=> tenure$/.test(line)).length;
}

describe("the gateway's V8 settings", () => {
  it("turn allocation-site pretenuring off: V8 tenures the probe's literal in a plain process, never once a gateway is built", () => {
    expect(tenureDecisions()).toBeGreaterThan(0);
    expect(tenureDecisions("gateway")).toBe(0);
  }, 120_000);
});
