import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { startTestGateway } from "../support/gateway-harness.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tensorwall-shutdown-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function statuses(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare("SELECT status FROM usage_records ORDER BY started_at_ms, rowid").all() as { status: string }[]).map((r) => r.status);
  } finally {
    db.close();
  }
}

it("writes every pending ledger record on graceful shutdown, a stream cut off by it included", async () => {
  const path = join(dir, "gateway.db");
  // A flush interval far beyond the test, so only close() can have written the records.
  const gw = await startTestGateway({ env: { TENSORWALL_DB: path, TENSORWALL_USAGE_FLUSH_MS: "600000" } });
  const { secret } = await gw.createKey();
  const chat = (body: object) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "azure/gpt-4o", messages: [{ role: "user", content: "Hello!" }], ...body }),
    });
  for (let i = 0; i < 5; i += 1) await (await chat({})).text();
  await (await chat({ stream: true })).text();
  gw.fake.behave("gpt-4o", { kind: "hangMidStream", afterEvents: 3 });
  const hanging = await chat({ stream: true });
  const reading = hanging.text().catch(() => "cut off");
  expect(statuses(path)).toEqual([]);

  await gw.close();
  await reading;
  const written = statuses(path);
  expect(written).toHaveLength(7);
  expect(written.slice(0, 6)).toEqual(Array(6).fill("ok"));
  expect(written[6]).not.toBe("ok");
  expect(gw.unexpectedErrors).toEqual([]);
});
