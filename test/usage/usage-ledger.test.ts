import { afterEach, describe, expect, it, vi } from "vitest";
import type { LedgerStore, UsageQuery, UsageRecord } from "../../src/store/index.js";
import { UsageLedger } from "../../src/usage/index.js";
import { usageRecord } from "../support/usage-record.js";

/** Keeps inserted batches; `fail` makes the next inserts reject. */
class MemoryLedgerStore implements LedgerStore {
  readonly batches: UsageRecord[][] = [];
  fail = false;

  async insertUsage(records: readonly UsageRecord[]): Promise<void> {
    if (this.fail) throw new Error("store down");
    this.batches.push([...records]);
  }

  async queryUsage(query: UsageQuery) {
    const cost = this.batches
      .flat()
      .filter((r) => query.keyIds.includes(r.keyId) && r.startedAtMs >= (query.startMs ?? 0) && r.startedAtMs < (query.endMs ?? Infinity))
      .reduce((sum, r) => sum + r.costNanoUsd, 0n);
    return [{ totals: { requests: 0n, failedRequests: 0n, promptTokens: 0n, cachedTokens: 0n, completionTokens: 0n, reasoningTokens: 0n, costNanoUsd: cost } }];
  }

  get written(): UsageRecord[] {
    return this.batches.flat();
  }
}

/** Each write waits until `finishWrites()`, as a busy store's writes take their time; after `stopWaiting()` none does. */
class SlowLedgerStore extends MemoryLedgerStore {
  writesStarted = 0;
  #waits = true;
  readonly #waiting: (() => void)[] = [];

  override async insertUsage(records: readonly UsageRecord[]): Promise<void> {
    this.writesStarted += 1;
    if (this.#waits) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    await super.insertUsage(records);
  }

  finishWrites(): void {
    for (const finish of this.#waiting.splice(0)) finish();
  }

  stopWaiting(): void {
    this.#waits = false;
    this.finishWrites();
  }
}

/** Lets the event loop turn twice: a finished write's continuation and any write it would start have run. */
async function turns(): Promise<void> {
  for (let i = 0; i < 2; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

describe("UsageLedger", () => {
  const ledgers: UsageLedger[] = [];
  const slowStores: SlowLedgerStore[] = [];
  function ledgerOn(store: LedgerStore, options: { flushIntervalMs?: number; batchSize?: number; maxPending?: number } = {}) {
    const errors: unknown[] = [];
    const ledger = new UsageLedger({ store, flushIntervalMs: 60_000, ...options, onError: (error) => errors.push(error) });
    ledgers.push(ledger);
    return { ledger, errors };
  }
  afterEach(async () => {
    vi.useRealTimers();
    for (const store of slowStores.splice(0)) store.stopWaiting();
    for (const ledger of ledgers.splice(0)) await ledger.close().catch(() => {});
  });

  it("keeps records in memory until a flush, then writes them in order", async () => {
    const store = new MemoryLedgerStore();
    const { ledger } = ledgerOn(store);
    const records = [usageRecord(), usageRecord(), usageRecord()];
    for (const record of records) ledger.record(record);
    expect(store.written).toEqual([]);
    await ledger.flush();
    expect(store.written).toEqual(records);
  });

  it("writes on its interval without being asked", async () => {
    vi.useFakeTimers();
    const store = new MemoryLedgerStore();
    const { ledger } = ledgerOn(store, { flushIntervalMs: 1_000 });
    ledger.record(usageRecord());
    await vi.advanceTimersByTimeAsync(999);
    expect(store.written).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(store.written).toHaveLength(1);
  });

  it("writes in batches of the batch size, starting early once a batch is full", async () => {
    const store = new MemoryLedgerStore();
    const { ledger } = ledgerOn(store, { batchSize: 2 });
    for (let i = 0; i < 5; i += 1) ledger.record(usageRecord());
    await new Promise((resolve) => setImmediate(resolve));
    await ledger.flush();
    expect(store.batches.map((batch) => batch.length)).toEqual([2, 2, 1]);
  });

  it("writes only whole batches early, leaving what arrives during a write for the next full batch", async () => {
    const store = new SlowLedgerStore();
    slowStores.push(store);
    const { ledger } = ledgerOn(store, { batchSize: 3 });
    for (let i = 0; i < 3; i += 1) ledger.record(usageRecord());
    await turns();
    expect(store.writesStarted).toBe(1);
    ledger.record(usageRecord());
    ledger.record(usageRecord());
    store.finishWrites();
    await turns();
    expect(store.writesStarted).toBe(1);
    ledger.record(usageRecord());
    await turns();
    store.finishWrites();
    await turns();
    expect(store.batches.map((batch) => batch.length)).toEqual([3, 3]);
  });

  it("flushes what was recorded before the flush, not what arrives while it writes", async () => {
    const store = new SlowLedgerStore();
    slowStores.push(store);
    const { ledger } = ledgerOn(store);
    const before = [usageRecord(), usageRecord()];
    for (const record of before) ledger.record(record);
    let flushed = false;
    const flush = ledger.flush().then(() => (flushed = true));
    await turns();
    ledger.record(usageRecord());
    store.finishWrites();
    await turns();
    expect(flushed).toBe(true);
    expect(store.writesStarted).toBe(1);
    expect(store.written).toEqual(before);
    await flush;
  });

  it("keeps records when the store fails and writes them, still in order, once it answers", async () => {
    const store = new MemoryLedgerStore();
    const { ledger } = ledgerOn(store);
    const first = usageRecord();
    ledger.record(first);
    store.fail = true;
    await expect(ledger.flush()).rejects.toThrow("store down");
    const second = usageRecord();
    ledger.record(second);
    store.fail = false;
    await ledger.flush();
    expect(store.written).toEqual([first, second]);
  });

  it("drops the oldest records beyond its bound while the store fails, and says so", async () => {
    const store = new MemoryLedgerStore();
    const { ledger, errors } = ledgerOn(store, { batchSize: 1, maxPending: 2 });
    store.fail = true;
    const records = [usageRecord(), usageRecord(), usageRecord()];
    for (const record of records) ledger.record(record);
    expect(errors.map(String)).toEqual(["Error: The usage ledger dropped 1 records: the store has been failing."]);
    store.fail = false;
    await ledger.flush();
    expect(store.written).toEqual(records.slice(1));
  });

  it("writes everything pending on close", async () => {
    const store = new MemoryLedgerStore();
    const { ledger } = ledgerOn(store);
    ledger.record(usageRecord());
    ledger.record(usageRecord());
    await ledger.close();
    expect(store.written).toHaveLength(2);
  });

  it("on close, also writes what is recorded while its last write is under way", async () => {
    const store = new SlowLedgerStore();
    slowStores.push(store);
    const { ledger } = ledgerOn(store);
    ledger.record(usageRecord());
    const closed = ledger.close();
    await turns();
    ledger.record(usageRecord());
    store.finishWrites();
    await turns();
    store.finishWrites();
    await closed;
    expect(store.batches.map((batch) => batch.length)).toEqual([1, 1]);
  });

  it("counts a key's cost from the store and from records not yet written", async () => {
    const store = new MemoryLedgerStore();
    const { ledger } = ledgerOn(store);
    ledger.record(usageRecord({ keyId: "key_a", startedAtMs: 100, costNanoUsd: 5n }));
    await ledger.flush();
    ledger.record(usageRecord({ keyId: "key_a", startedAtMs: 150, costNanoUsd: 7n }));
    ledger.record(usageRecord({ keyId: "key_a", startedAtMs: 200, costNanoUsd: 100n }));
    ledger.record(usageRecord({ keyId: "key_b", startedAtMs: 150, costNanoUsd: 100n }));
    expect(await ledger.costBetween("key_a", 100, 200)).toBe(12n);
  });
});
