import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteLedgerWriter } from "../../src/store/sqlite-ledger-writer.js";

describe("SqliteLedgerWriter", () => {
  let dir: string;
  let writer: SqliteLedgerWriter | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tensorwall-ledger-writer-"));
  });
  afterEach(async () => {
    await writer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("rejects the writes of a thread that died and starts a new one for the next", async () => {
    const path = join(dir, "later", "ledger.db");
    writer = new SqliteLedgerWriter({ path, busyTimeoutMs: 100, insertSql: "INSERT INTO rows (value) VALUES (?)" });
    // The folder does not exist yet: the thread fails to open the database and exits.
    await expect(writer.write([[1n]])).rejects.toThrow();

    mkdirSync(join(dir, "later"));
    const db = new Database(path);
    db.exec("CREATE TABLE rows (value INTEGER NOT NULL)");
    await writer.write([[2n], [3n]]);
    expect(db.prepare("SELECT value FROM rows ORDER BY value").pluck().all()).toEqual([2, 3]);
    db.close();
  });

  it("confirms writes in the order they were posted", async () => {
    const path = join(dir, "ledger.db");
    const db = new Database(path);
    db.exec("CREATE TABLE rows (value INTEGER NOT NULL)");
    writer = new SqliteLedgerWriter({ path, busyTimeoutMs: 100, insertSql: "INSERT INTO rows (value) VALUES (?)" });
    const confirmed: number[] = [];
    await Promise.all([1, 2, 3, 4].map((n) => writer!.write([[n]]).then(() => confirmed.push(n))));
    expect(confirmed).toEqual([1, 2, 3, 4]);
    expect(db.prepare("SELECT value FROM rows").pluck().all()).toEqual([1, 2, 3, 4]);
    db.close();
  });
});
