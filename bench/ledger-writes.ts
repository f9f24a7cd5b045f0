/**
 * `npm run bench:ledger`: the usage ledger's SQLite writes, in a file, as the gateway makes
 * them (SqliteStore.insertUsage, batches of 500 on its writer thread), with the ledger's own
 * time-ordered request ids against random (version 4) UUIDs as the baseline, in the same run.
 * Prints microseconds per row for the first and the last batches of each table as it grows.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { SqliteStore } from "../src/store/index.js";
import { timeOrderedUuid } from "../src/usage/index.js";
import { usageRecord } from "../test/support/usage-record.js";

const ROWS = 200_000;
const BATCH = 500;
/** Batches timed at each end of the run. */
const SAMPLE_BATCHES = 40;

/** µs per row over the first and the last SAMPLE_BATCHES batches of ROWS rows written with `id`. */
async function measure(dir: string, name: string, id: (nowMs: number) => string): Promise<{ first: number; last: number }> {
  const store = new SqliteStore(join(dir, `${name}.db`));
  const batches = ROWS / BATCH;
  const startMs = Date.now();
  const elapsed: number[] = [];
  try {
    for (let b = 0; b < batches; b++) {
      // Two requests a millisecond, as a busy gateway starts them.
      const records = Array.from({ length: BATCH }, (_, i) => {
        const atMs = startMs + Math.floor((b * BATCH + i) / 2);
        return usageRecord({ requestId: id(atMs), startedAtMs: atMs });
      });
      const started = performance.now();
      await store.insertUsage(records);
      elapsed.push(performance.now() - started);
    }
  } finally {
    await store.close();
  }
  const perRow = (ms: number[]): number => (ms.reduce((a, b) => a + b, 0) * 1000) / (ms.length * BATCH);
  return { first: perRow(elapsed.slice(0, SAMPLE_BATCHES)), last: perRow(elapsed.slice(-SAMPLE_BATCHES)) };
}

const dir = mkdtempSync(join(os.tmpdir(), "tensorwall-ledger-bench-"));
try {
  const random = await measure(dir, "random", () => randomUUID());
  const ordered = await measure(dir, "ordered", timeOrderedUuid);
  const rows = `${SAMPLE_BATCHES * BATCH}`;
  process.stdout.write(
    [
      `Ledger writes to a SQLite file, ${ROWS} rows in batches of ${BATCH} (µs per row, first and last ${rows} rows):`,
      "",
      "| request id | first rows | last rows | × random, last rows |",
      "| --- | ---: | ---: | ---: |",
      `| random UUID (v4), baseline | ${random.first.toFixed(1)} | ${random.last.toFixed(1)} | 1.00 |`,
      `| time-ordered UUID (v7), the ledger's | ${ordered.first.toFixed(1)} | ${ordered.last.toFixed(1)} | ${(ordered.last / random.last).toFixed(2)} |`,
      "",
    ].join("\n"),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
