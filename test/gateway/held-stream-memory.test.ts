import { request as httpRequest, type IncomingMessage } from "node:http";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/gateway-harness.js";

// A stream held open for minutes must not hold its prompt: with thousands of streams open, every
// copy of a large prompt kept for a stream's life would be multiplied by thousands.

let gw: TestGateway;
let key: string;

beforeAll(async () => {
  gw = await startTestGateway();
  key = (await gw.createKey()).secret;
});
afterAll(() => gw.close());
afterEach(() => expect(gw.unexpectedErrors).toEqual([]));

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

/** JS heap plus Buffers, after a full collection. */
function liveBytes(): number {
  collectGarbage();
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Opens a REST stream and resolves once its first event has arrived, with the response still open. */
function openStream(prompt: string): Promise<IncomingMessage> {
  const req = httpRequest(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
  });
  // Not in a closure: the listeners' scope would keep the prompt alive on this side.
  req.end(JSON.stringify({ model: "azure/gpt-4o", stream: true, messages: [{ role: "user", content: prompt }] }));
  return new Promise((resolve, reject) => {
    req.on("response", (res) => {
      if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
      res.once("data", () => resolve(res));
      res.on("error", () => undefined);
    });
    req.on("error", reject);
  });
}

/** What `streams` streams with prompts of `promptBytes` hold while open, beyond what was live before. */
async function heldBy(streams: number, promptBytes: number): Promise<number> {
  gw.fake.behave("gpt-4o", { kind: "hangMidStream", afterEvents: 3 });
  const before = liveBytes();
  const open: IncomingMessage[] = [];
  for (let i = 0; i < streams; i++) open.push(await openStream(`${i}`.padEnd(promptBytes, "x")));
  // The fake keeps what it received; the gateway is what is measured.
  gw.fake.reset();
  const held = liveBytes() - before;
  for (const res of open) res.destroy();
  await new Promise((resolve) => setTimeout(resolve, 200));
  return held;
}

describe("a held stream", () => {
  it("does not keep its prompt for the stream's life", async () => {
    const streams = 6;
    const promptBytes = 1024 * 1024;
    const withSmallPrompts = await heldBy(streams, 1);
    const withLargePrompts = await heldBy(streams, promptBytes);
    // One copy of each prompt kept would be 6 MiB more; the streams' own objects are the same.
    expect(withLargePrompts - withSmallPrompts).toBeLessThan(promptBytes);
  });
});
