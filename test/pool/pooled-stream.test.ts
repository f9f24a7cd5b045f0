import type { JsonObject } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors/index.js";
import type { AnsweredEnding } from "../../src/pool/pooled-deployment.js";
import { PooledStream } from "../../src/pool/pooled-stream.js";
import { RequestDeadline } from "../../src/pool/request-deadline.js";

/** Azure's side of a stream, fed by the test; return() records that the upstream was let go. */
function upstream() {
  const queued: (JsonObject | Error | "end")[] = [];
  let waiting: ((item: JsonObject | Error | "end") => void) | undefined;
  let returned = false;
  const iterator: AsyncIterator<JsonObject> = {
    next: async () => {
      const item = queued.shift() ?? (await new Promise<JsonObject | Error | "end">((resolve) => (waiting = resolve)));
      if (item === "end") return { done: true, value: undefined };
      if (item instanceof Error) throw item;
      return { done: false, value: item };
    },
    return: async () => {
      returned = true;
      return { done: true, value: undefined };
    },
  };
  return {
    iterator,
    get returned() {
      return returned;
    },
    push(item: JsonObject | Error | "end") {
      if (waiting !== undefined) {
        const resolve = waiting;
        waiting = undefined;
        resolve(item);
      } else queued.push(item);
    },
  };
}

function stream(options: { caller?: AbortController; timeoutMs?: number } = {}) {
  const caller = options.caller ?? new AbortController();
  const deadline = new RequestDeadline(caller.signal, options.timeoutMs ?? 60_000, Date.now());
  const azure = upstream();
  const endings: AnsweredEnding[] = [];
  const chunks = new PooledStream({ first: { done: false, value: { n: 0 } }, rest: azure.iterator, deadline, onEnd: (ending) => endings.push(ending) });
  return { chunks, azure, endings, caller };
}

describe("PooledStream", () => {
  it("hands out the peeked chunk, then Azure's, and reports a completed stream once", async () => {
    const { chunks, azure, endings } = stream();
    azure.push({ n: 1 });
    azure.push("end");
    const seen: JsonObject[] = [];
    for await (const chunk of chunks) seen.push(chunk);
    expect(seen).toEqual([{ n: 0 }, { n: 1 }]);
    expect(endings).toEqual(["completed"]);
  });

  it("passes a mid-stream failure on and reports the stream as broken", async () => {
    const { chunks, azure, endings } = stream();
    await chunks.next();
    azure.push(new GatewayError("upstream_error", "connection dropped"));
    await expect(chunks.next()).rejects.toMatchObject({ code: "upstream_error" });
    expect(endings).toEqual(["broken"]);
  });

  it("never reads as complete when the deadline passed between two reads", async () => {
    const { chunks, azure, endings } = stream({ timeoutMs: 20 });
    await chunks.next();
    await new Promise((resolve) => setTimeout(resolve, 40));
    await expect(chunks.next()).rejects.toMatchObject({ code: "upstream_timeout" });
    expect(await chunks.next()).toEqual({ done: true, value: undefined });
    expect(azure.returned).toBe(true);
    expect(endings).toEqual(["abandoned"]);
  });

  it("lets the upstream go when the caller leaves before anyone iterates", () => {
    const { azure, endings, caller } = stream();
    caller.abort();
    expect(azure.returned).toBe(true);
    expect(endings).toEqual(["abandoned"]);
  });

  it("a consumer that stops early abandons the stream and lets the upstream go", async () => {
    const { chunks, azure, endings } = stream();
    for await (const chunk of chunks) {
      expect(chunk).toEqual({ n: 0 });
      break;
    }
    expect(azure.returned).toBe(true);
    expect(endings).toEqual(["abandoned"]);
  });
});
