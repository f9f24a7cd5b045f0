import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ChatService, Role } from "../../gen/tensorwall/v1/chat_pb.js";
import { startTestGateway, type TestGateway } from "../support/gateway-harness.js";

let gw: TestGateway;
let key: string;

beforeAll(async () => {
  gw = await startTestGateway();
  key = (await gw.createKey()).secret;
});
afterAll(() => gw.close());
afterEach(() => expect(gw.unexpectedErrors).toEqual([]));

const request = { model: "azure/gpt-4o", messages: [{ role: Role.USER, content: "Tell me a long story" }] };

function client() {
  return createClient(ChatService, createGrpcTransport({ baseUrl: gw.url }));
}

describe("RPC cancellation and deadlines reach Azure", () => {
  it("a gRPC caller that cancels mid-stream aborts the upstream request", async () => {
    gw.fake.behave("gpt-4o", { kind: "normal", chunks: 100, chunkDelayMs: 30 });
    const aborts = gw.fake.clientAborts;
    const controller = new AbortController();
    const stream = client().streamChatCompletion({ request }, { signal: controller.signal, headers: { "x-api-key": key } });
    const received = [];
    await expect(async () => {
      for await (const chunk of stream) {
        received.push(chunk);
        if (received.length === 3) controller.abort();
      }
    }).rejects.toMatchObject({ code: Code.Canceled });
    await gw.fake.waitForClientAborts(aborts + 1);
    expect(gw.fake.clientAborts).toBe(aborts + 1);
  });

  it("a deadline that passes while Azure is silent ends the call with DeadlineExceeded and aborts upstream", async () => {
    gw.fake.behave("gpt-4o", { kind: "hang" });
    const aborts = gw.fake.clientAborts;
    const error = await client()
      .createChatCompletion(request, { timeoutMs: 300, headers: { "x-api-key": key } })
      .catch((e: unknown) => ConnectError.from(e));
    expect(error).toMatchObject({ code: Code.DeadlineExceeded });
    await gw.fake.waitForClientAborts(aborts + 1);
  });
});
