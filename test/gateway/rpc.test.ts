import { Code, ConnectError, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ChatService, ContentFilterSeverity, Role, ToolChoice_Mode } from "../../gen/tensorwall/v1/chat_pb.js";
import { startTestGateway, type TestGateway } from "../support/gateway-harness.js";

let gw: TestGateway;
let key: string;

beforeAll(async () => {
  gw = await startTestGateway();
  key = (await gw.createKey()).secret;
});
afterAll(() => gw.close());
afterEach(() => expect(gw.unexpectedErrors).toEqual([]));

const withKey =
  (secret: () => string): Interceptor =>
  (next) =>
  (req) => {
    req.header.set("x-api-key", secret());
    return next(req);
  };

const transports: [string, (baseUrl: string) => Transport][] = [
  ["Connect JSON over HTTP/1.1", (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: [withKey(() => key)] })],
  ["Connect binary over HTTP/2", (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: true, interceptors: [withKey(() => key)] })],
  ["gRPC over h2c", (baseUrl) => createGrpcTransport({ baseUrl, interceptors: [withKey(() => key)] })],
  ["gRPC-Web over HTTP/1.1", (baseUrl) => createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors: [withKey(() => key)] })],
];

const hello = { model: "azure/gpt-4o", messages: [{ role: Role.USER, content: "Hello!" }] };

describe.each(transports)("ChatService over %s", (_name, transportFor) => {
  const client = () => createClient(ChatService, transportFor(gw.url));

  it("creates a completion and says which deployment served it", async () => {
    let headers: Headers | undefined;
    const response = await client().createChatCompletion(hello, { onHeader: (h) => (headers = h) });
    expect(response.choices[0]?.message?.content).toContain("gpt-4o");
    expect(response.choices[0]?.finishReason).toBe("stop");
    expect(response.servedBy).toMatchObject({ deployment: "gpt-4o", region: "eastus", attempts: 1 });
    expect(response.usage?.totalTokens).toBeGreaterThan(0);
    expect(response.promptFilterResults[0]?.contentFilterResults?.jailbreak).toMatchObject({ filtered: false, detected: false });
    expect(response.choices[0]?.contentFilterResults?.hate?.severity).toBe(ContentFilterSeverity.SAFE);
    expect(headers?.get("x-tensorwall-deployment")).toBe("gpt-4o");
  });

  it("streams chunks, the first carrying served_by", async () => {
    const chunks = [];
    for await (const chunk of client().streamChatCompletion({ request: hello })) chunks.push(chunk);
    expect(chunks[0]?.servedBy?.deployment).toBe("gpt-4o");
    const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? "").join("");
    expect(text.length).toBeGreaterThan(0);
    expect(chunks.at(-1)?.choices[0]?.finishReason ?? chunks.at(-2)?.choices[0]?.finishReason).toBe("stop");
    expect(chunks.some((chunk) => chunk.usage !== undefined)).toBe(false);
    const annotated = chunks.flatMap((chunk) => chunk.choices).filter((choice) => choice.contentFilterOffsets !== undefined);
    expect(annotated[0]?.contentFilterResults?.violence?.severity).toBe(ContentFilterSeverity.SAFE);
  });

  it("streams tool calls", async () => {
    const chunks = [];
    for await (const chunk of client().streamChatCompletion({
      request: {
        ...hello,
        tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
        toolChoice: { choice: { case: "mode", value: ToolChoice_Mode.REQUIRED } },
        streamOptions: { includeUsage: true },
      },
    })) {
      chunks.push(chunk);
    }
    const deltas = chunks.flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta?.toolCalls ?? []));
    expect(deltas[0]?.function?.name).toBe("get_weather");
    const args = deltas.map((delta) => delta.function?.arguments ?? "").join("");
    expect(JSON.parse(args)).toBeTypeOf("object");
    expect(chunks.at(-1)?.usage?.totalTokens).toBeGreaterThan(0);
  });

  it("refuses a missing key as Unauthenticated", async () => {
    const anonymous = createClient(ChatService, transportFor(gw.url));
    const saved = key;
    key = "";
    try {
      await expect(anonymous.createChatCompletion(hello)).rejects.toMatchObject({ code: Code.Unauthenticated });
    } finally {
      key = saved;
    }
  });

  it("maps a missing Azure deployment to NotFound", async () => {
    const error = await client()
      .createChatCompletion({ ...hello, model: "azure/nope" })
      .catch((e: unknown) => ConnectError.from(e));
    expect(error).toMatchObject({ code: Code.NotFound });
    expect((error as ConnectError).metadata.get("tensorwall-error-code")).toBe("deployment_not_found");
    expect((error as ConnectError).rawMessage).toContain("nope");
  });

  it("refuses an invalid request as InvalidArgument naming the field", async () => {
    const error = await client()
      .createChatCompletion({ model: "azure/gpt-4o", messages: [] })
      .catch((e: unknown) => ConnectError.from(e));
    expect(error).toMatchObject({ code: Code.InvalidArgument });
    expect((error as ConnectError).metadata.get("tensorwall-error-param")).toBe("messages");
  });

  it("lists models", async () => {
    const response = await client().listModels({});
    expect(response.models).toEqual([]);
  });
});
