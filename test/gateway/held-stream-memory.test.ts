import { request as httpRequest } from "node:http";
import * as http2 from "node:http2";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Role } from "../../gen/tensorwall/v1/chat_pb.js";
import { startTestGateway, type TestGateway } from "../support/gateway-harness.js";
import { startRawConnectStream } from "../support/raw-connect-stream.js";

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

const STREAMS = 6;
const PROMPT_BYTES = 1024 * 1024;

/** JS heap plus Buffers, after a full collection. */
function liveBytes(): number {
  collectGarbage();
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Opens a stream with this prompt; resolves once its first bytes have arrived, and gives a way to close it. */
type OpenStream = (prompt: string) => Promise<() => void>;

/** What STREAMS open streams with prompts of `promptBytes` hold, beyond what was live before. */
async function heldBy(openStream: OpenStream, promptBytes: number): Promise<number> {
  gw.fake.behave("gpt-4o", { kind: "hangMidStream", afterEvents: 3 });
  const before = liveBytes();
  const closers: (() => void)[] = [];
  for (let i = 0; i < STREAMS; i++) closers.push(await openStream(`${i}`.padEnd(promptBytes, "x")));
  // The fake keeps what it received; the gateway is what is measured.
  gw.fake.reset();
  const held = liveBytes() - before;
  for (const close of closers) close();
  await new Promise((resolve) => setTimeout(resolve, 200));
  return held;
}

const restStream: OpenStream = (prompt) => {
  const req = httpRequest(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
  });
  // Not in a closure: the listeners' scope would keep the prompt alive on this side.
  req.end(JSON.stringify({ model: "azure/gpt-4o", stream: true, messages: [{ role: "user", content: prompt }] }));
  return new Promise((resolve, reject) => {
    req.on("response", (res) => {
      if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
      res.once("data", () => resolve(() => res.destroy()));
      res.on("error", () => undefined);
    });
    req.on("error", reject);
  });
};

const connectStream: OpenStream = (prompt) => {
  const session = http2.connect(gw.url);
  const stream = startRawConnectStream(session, key, { model: "azure/gpt-4o", messages: [{ role: Role.USER, content: prompt }] });
  return new Promise((resolve, reject) => {
    stream.once("data", () => resolve(() => session.destroy()));
    stream.on("error", reject);
  });
};

describe("a held stream does not keep its prompt for the stream's life", () => {
  it.each([
    ["REST (SSE)", restStream],
    ["Connect", connectStream],
  ])("%s", async (_door, openStream) => {
    const withSmallPrompts = await heldBy(openStream, 1);
    const withLargePrompts = await heldBy(openStream, PROMPT_BYTES);
    // One copy of each prompt kept would be STREAMS MiB more; the streams' own objects are the same.
    // Half of that is the bound: the Connect case holds about one prompt's size once, however many
    // streams are open (0.5–1.1 MiB measured with 2, 6 and 12 streams), which is no copy per stream
    // but sat too close to a bound of one prompt (CI once measured 1.01 MiB).
    expect(withLargePrompts - withSmallPrompts).toBeLessThan((STREAMS * PROMPT_BYTES) / 2);
  });
});
