import type { JsonObject } from "@bufbuild/protobuf";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { AzureChunkStream } from "../../src/azure/azure-chunk-stream.js";
import { GatewayError } from "../../src/errors/index.js";

const event = (n: number): string => `data: {"n":${n}}\n\n`;

/** A response body the test feeds; `read()` hands out what was pushed, as undici's does. */
function body(): Readable {
  return new Readable({ read() {} });
}

function stream(source: Readable, signal: AbortSignal = new AbortController().signal): AzureChunkStream {
  return new AzureChunkStream(source, { signal, maxEventLength: 1024 });
}

/** Whether `read()` settles before a setImmediate queued just before it runs, and what it read. */
async function withinTurn<T>(read: () => Promise<T>): Promise<{ withinTurn: boolean; result: T }> {
  let turned = false;
  setImmediate(() => (turned = true));
  const result = await read();
  return { withinTurn: !turned, result };
}

describe("AzureChunkStream", () => {
  it("lets a turn of the event loop pass after the first chunk, so it is flushed before the rest of its read is parsed", async () => {
    const source = body();
    source.push(Buffer.from(event(1) + event(2) + event(3)));
    const chunks = stream(source);
    expect((await chunks.next()).value).toEqual({ n: 1 });
    const second = await withinTurn(() => chunks.next());
    expect(second.withinTurn).toBe(false);
    expect(second.result.value).toEqual({ n: 2 });
  });

  it("hands out the other chunks of one upstream read without waiting, then lets a turn pass before reading on", async () => {
    const source = body();
    source.push(Buffer.from(event(1) + event(2) + event(3)));
    const chunks = stream(source);
    await chunks.next();
    await chunks.next();
    const third = await withinTurn(() => chunks.next());
    expect(third.withinTurn).toBe(true);
    expect(third.result.value).toEqual({ n: 3 });
    source.push(Buffer.from(event(4)));
    const fourth = await withinTurn(() => chunks.next());
    expect(fourth.withinTurn).toBe(false);
    expect(fourth.result.value).toEqual({ n: 4 });
  });

  it("lets a turn pass after every 32 chunks of one long upstream read, so one stream cannot hold the event loop", async () => {
    const source = body();
    source.push(Buffer.from(Array.from({ length: 70 }, (_, i) => event(i + 1)).join("")));
    const chunks = stream(source);
    await chunks.next();
    const turnsBefore: number[] = [];
    for (let n = 2; n <= 70; n++) {
      const next = await withinTurn(() => chunks.next());
      expect(next.result.value).toEqual({ n });
      if (!next.withinTurn) turnsBefore.push(n);
    }
    // After the first chunk's turn, 32 chunks go out at a time.
    expect(turnsBefore).toEqual([2, 34, 66]);
  });

  it("finishes at [DONE] and releases the body for reuse", async () => {
    const source = body();
    const chunks = stream(source);
    source.push(Buffer.from(event(1)));
    source.push(Buffer.from(`${event(2)}data: [DONE]\n\n`));
    source.push(null);
    const seen: JsonObject[] = [];
    for await (const chunk of chunks) seen.push(chunk);
    expect(seen).toEqual([{ n: 1 }, { n: 2 }]);
    await new Promise((resolve) => setImmediate(resolve));
    // Read to its end (undici then puts the connection back in its pool), not destroyed early.
    expect(source.readableEnded).toBe(true);
    expect(source.errored).toBeNull();
  });

  it("fails with upstream_error when the body errors mid-stream, after the chunks before it", async () => {
    const source = body();
    const chunks = stream(source);
    source.push(Buffer.from(event(1)));
    expect((await chunks.next()).value).toEqual({ n: 1 });
    const waiting = chunks.next();
    source.destroy(Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }));
    await expect(waiting).rejects.toMatchObject({ code: "upstream_error" });
    expect(await chunks.next()).toEqual({ done: true, value: undefined });
  });

  it("fails with request_canceled when the caller's signal fires while a read waits", async () => {
    const source = body();
    const caller = new AbortController();
    const chunks = stream(source, caller.signal);
    const waiting = chunks.next();
    caller.abort();
    // undici destroys the body when the request's signal fires.
    source.destroy(new Error("aborted"));
    const error: unknown = await waiting.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe("request_canceled");
    expect(source.destroyed).toBe(true);
  });

  it("runs reads one at a time even when next() is called again before the last settled", async () => {
    const source = body();
    const chunks = stream(source);
    const reads = [chunks.next(), chunks.next(), chunks.next()];
    source.push(Buffer.from(event(1) + event(2)));
    source.push(Buffer.from(`${event(3)}data: [DONE]\n\n`));
    source.push(null);
    expect((await Promise.all(reads)).map((read) => read.value)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it("aborts the upstream body when the consumer stops early", async () => {
    const source = body();
    source.push(Buffer.from(event(1) + event(2)));
    const chunks = stream(source);
    for await (const chunk of chunks) {
      expect(chunk).toEqual({ n: 1 });
      break;
    }
    expect(source.destroyed).toBe(true);
  });
});
