import { describe, expect, it } from "vitest";
import { jsFrameOf, perfSamples, summarizePerfSamples, type PerfSample } from "../../bench/lib/perf-summary.js";
import { SourceMapLookup } from "../../bench/lib/source-map-lookup.js";

async function* linesOf(text: string): AsyncGenerator<string> {
  yield* text.split("\n");
}

async function collect(samples: AsyncIterable<PerfSample>): Promise<PerfSample[]> {
  const all: PerfSample[] = [];
  for await (const sample of samples) all.push(sample);
  return all;
}

async function* each(samples: readonly PerfSample[]): AsyncGenerator<PerfSample> {
  yield* samples;
}

// As `perf script -F comm,tid,ip,sym` prints them: the last sample has no blank line after it.
const SCRIPT = [
  "node  4242 ",
  "\t         1501760 Builtins_ArrayPrototypePush",
  "\t    7fcb7020744b JS:^write /repo/node_modules/sonic-boom/index.js:306:16",
  "\t          c494db v8::internal::(anonymous namespace)::Invoke",
  "",
  "node  4250 ",
  "\t    7f0000000001 v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>",
  "",
  "node  4242 ",
  "\t    7f0000000002 [unknown]",
].join("\n");

describe("perfSamples", () => {
  it("reads each sample's thread and its symbols, innermost first, without addresses", async () => {
    const samples = await collect(perfSamples(linesOf(SCRIPT)));
    expect(samples).toEqual([
      {
        tid: 4242,
        symbols: ["Builtins_ArrayPrototypePush", "JS:^write /repo/node_modules/sonic-boom/index.js:306:16", "v8::internal::(anonymous namespace)::Invoke"],
      },
      { tid: 4250, symbols: ["v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>"] },
      { tid: 4242, symbols: ["[unknown]"] },
    ]);
  });
});

describe("jsFrameOf", () => {
  it("reads the function, its script and its 0-based position from a --perf-basic-prof name, whatever the tier", () => {
    expect(jsFrameOf("JS:*complete file:///repo/src/azure/azure-client.js:54:19")).toEqual({
      functionName: "complete",
      url: "file:///repo/src/azure/azure-client.js",
      lineNumber: 53,
      columnNumber: 18,
    });
    expect(jsFrameOf("JS:^processTicksAndRejections node:internal/process/task_queues:67:35")?.url).toBe("node:internal/process/task_queues");
    expect(jsFrameOf("JS:~get url file:///repo/src/server/binary-rpc.js:170:5")?.functionName).toBe("get url");
    expect(jsFrameOf("JS:+resume /repo/node_modules/undici/lib/dispatcher/client.js:589:18")?.functionName).toBe("resume");
    expect(jsFrameOf("JS:^ file:///repo/src/logging/create-logger.js:46:31")?.functionName).toBe("");
  });

  it("finds no JavaScript in V8's built-ins, regular expressions, WebAssembly or native code", () => {
    for (const symbol of ["Builtins_LoadIC", "RegExp:^[\\w.:@/+=-]{1,128}$", "JS:wasm-function[20]-20-turbofan", "uv__io_poll", "[unknown]"]) {
      expect(jsFrameOf(symbol)).toBeUndefined();
    }
  });
});

describe("summarizePerfSamples", () => {
  const MAIN = 100;
  const PARSE = "JS:*complete file:///repo/src/azure/azure-client.js:54:19";
  const HANDLER = "JS:*chatCompletions file:///repo/src/bridge/openai/rest-bridge.js:69:31";
  const WRITE = "JS:*clearBuffer node:internal/streams/writable:744:21";
  const RECURSIVE = "JS:*walk file:///repo/node_modules/some-package/index.js:1:1";
  const samples: PerfSample[] = [
    // JSON.parse inside the Azure client is the Azure client's time.
    { tid: MAIN, symbols: ["v8::internal::JsonParser<unsigned char>::ParseJsonValue<false>", "Builtins_JsonParse", PARSE, HANDLER] },
    { tid: MAIN, symbols: [PARSE, HANDLER] },
    // A socket write in the kernel is the writing function's.
    { tid: MAIN, symbols: ["tcp_sendmsg", "__GI___writev", WRITE, HANDLER] },
    // A scavenge an allocation set off is the collector's, though it ran inside our code.
    { tid: MAIN, symbols: ["v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>", "v8::internal::Heap::CollectGarbage", "Builtins_CreateTypedArray", HANDLER] },
    // The event loop waiting and reading, with no JavaScript on the stack.
    { tid: MAIN, symbols: ["vfs_read", "uv__read", "uv_run"] },
    // A function on the stack twice counts once towards its total.
    { tid: MAIN, symbols: [RECURSIVE, RECURSIVE, HANDLER] },
    // Other threads: a GC helper and the ledger writer.
    { tid: MAIN + 1, symbols: ["v8::internal::Scavenger::ScavengePage"] },
    { tid: MAIN + 7, symbols: ["sqlite3VdbeExec"] },
  ];
  const recording = { tid: MAIN, frequencyHz: 1000, wallMs: 50, profile: "rest.perf.data" };

  it("counts each sample of the thread for the nearest JavaScript function, the collector or the program", async () => {
    const { summary, otherThreadsBusyMs } = await summarizePerfSamples(each(samples), recording, "/repo", new SourceMapLookup("/repo"));
    // 1000 samples a second: each is 1 ms of time on a CPU.
    expect(summary.busyMs).toBe(6);
    expect(summary.wallMs).toBe(50);
    expect(summary.gcMs).toBe(1);
    expect(otherThreadsBusyMs).toBe(2);
    expect(Object.fromEntries(summary.areas.map((area) => [area.area, area.selfMs]))).toEqual({
      "src/azure": 2,
      "node:streams": 1,
      "(garbage collector)": 1,
      "(program)": 1,
      "some-package": 1,
    });
    const handler = summary.topOwnInclusive.find((entry) => entry.name === "chatCompletions");
    expect(handler).toMatchObject({ location: "src/bridge/openai/rest-bridge.js:69", selfMs: 0, totalMs: 5 });
    expect(summary.topSelf.find((entry) => entry.name === "walk")).toMatchObject({ selfMs: 1, totalMs: 1 });
  });

  it("counts nothing of other threads towards the thread's own time", async () => {
    const { summary, otherThreadsBusyMs } = await summarizePerfSamples(each(samples.filter((sample) => sample.tid !== MAIN)), recording, "/repo", new SourceMapLookup("/repo"));
    expect(summary.areas).toEqual([]);
    expect(otherThreadsBusyMs).toBe(2);
  });
});
