import http2 from "node:http2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/gateway-harness.js";

// The fake writes a whole stream in one turn, so the gateway reads Azure's answer in one piece.
// HTTP/2 puts what the gateway wrote before each flush in DATA frames of its own, so the frames
// show whether the first chunk left before the rest of that piece was relayed. (connect-node puts
// a stream's first message in a frame of its own either way, so only the REST bridge shows it.)

let gw: TestGateway;
let key: string;
let session: http2.ClientHttp2Session;

beforeAll(async () => {
  gw = await startTestGateway();
  key = (await gw.createKey()).secret;
  session = http2.connect(gw.url);
});
afterAll(async () => {
  session.close();
  await gw.close();
});
afterEach(() => expect(gw.unexpectedErrors).toEqual([]));

/** Sends one request and collects the response's DATA frames as they arrive. */
function frames(headers: http2.OutgoingHttpHeaders, body: string): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const received: Buffer[] = [];
    const stream = session.request({ ":method": "POST", authorization: `Bearer ${key}`, ...headers });
    stream.on("data", (frame: Buffer) => received.push(frame));
    stream.on("end", () => resolve(received));
    stream.on("error", reject);
    stream.end(body);
  });
}

describe("a stream's first chunk, when Azure sends the whole answer at once", () => {
  it("leaves in a DATA frame of its own on the REST bridge over h2c", async () => {
    const body = JSON.stringify({ model: "azure/gpt-4o", messages: [{ role: "user", content: "Hello!" }], stream: true });
    const received = await frames({ ":path": "/v1/chat/completions", "content-type": "application/json" }, body);
    const first = received[0]!.toString("utf8");
    expect(first).toMatch(/^data: \{.*\}\n\n$/s);
    expect(first.split("data: ")).toHaveLength(2);
    expect(Buffer.concat(received).toString("utf8").endsWith("data: [DONE]\n\n")).toBe(true);
  });
});
