import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/gateway-harness.js";

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.close());

/** Sends raw bytes on a new connection and reads until the server closes it. */
function exchange(raw: string): Promise<string> {
  const { hostname, port } = new URL(gw.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(raw));
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (text: string) => (received += text));
    socket.on("end", () => resolve(received));
    socket.on("error", reject);
  });
}

describe("the RPC door's request handling", () => {
  it("answers an HTTP/1.0 RPC request without a Host header with 400, and keeps serving", async () => {
    const reply = await exchange(
      "POST /tensorwall.v1.ChatService/ListModels HTTP/1.0\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}",
    );
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(reply).toContain("A Host header must be present.");
    const health = await fetch(`${gw.url}/healthz`);
    expect(health.status).toBe(200);
    expect(gw.unexpectedErrors).toEqual([]);
  });
});
