import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ChatService,
  createTensorWallClient,
  Role,
  type TensorWallClient,
  type TensorWallClientOptions,
  type TensorWallProtocol,
} from "../../src/client/index.js";
import { newKeySecret, startTestGateway, type TestGateway } from "../support/gateway-harness.js";
import { startProtocolRecordingProxy, type ProtocolRecordingProxy } from "./protocol-recording-proxy.js";

let gw: TestGateway;
let key: string;
const opened: TensorWallClient[] = [];

beforeAll(async () => {
  gw = await startTestGateway();
  key = (await gw.createKey()).secret;
  // gpt-4o-mini never answers: what a deadline is for.
  gw.fake.behave("gpt-4o-mini", { kind: "hang" }, { times: Infinity });
});
afterEach(() => {
  for (const client of opened.splice(0)) client.close();
  expect(gw.unexpectedErrors).toEqual([]);
});
afterAll(() => gw.close());

function client(options: Partial<TensorWallClientOptions> = {}): TensorWallClient {
  const created = createTensorWallClient({ baseUrl: gw.url, apiKey: key, ...options });
  opened.push(created);
  return created;
}

const hello = (model = "azure/gpt-4o") => ({ model, messages: [{ role: Role.USER, content: "Hello!" }] });

async function failure(call: Promise<unknown>): Promise<ConnectError> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Records the request headers each call leaves the client with. */
function headerRecorder(): { interceptor: Interceptor; seen: Headers[] } {
  const seen: Headers[] = [];
  return {
    seen,
    interceptor: (next) => (request) => {
      seen.push(new Headers(request.header));
      return next(request);
    },
  };
}

const protocols: { protocol: TensorWallProtocol; wire: "h2" | "http1"; timeoutHeader: string; timeoutValue: string }[] = [
  { protocol: "connect", wire: "h2", timeoutHeader: "connect-timeout-ms", timeoutValue: "300000" },
  { protocol: "grpc", wire: "h2", timeoutHeader: "grpc-timeout", timeoutValue: "300000m" },
  { protocol: "grpc-web", wire: "http1", timeoutHeader: "grpc-timeout", timeoutValue: "300000m" },
];

describe.each(protocols)("createTensorWallClient over $protocol", ({ protocol, wire, timeoutHeader, timeoutValue }) => {
  let proxy: ProtocolRecordingProxy;
  beforeAll(async () => {
    proxy = await startProtocolRecordingProxy(gw.port);
  });
  afterAll(() => proxy.close());

  it(`answers a unary completion on ${wire}, authenticated by the key`, async () => {
    const before = proxy.protocols.length;
    const response = await client({ baseUrl: proxy.url, protocol }).chat.createChatCompletion(hello());
    expect(response.choices[0]?.message?.content).toBe("Hello from gpt-4o");
    expect(response.servedBy?.deployment).toBe("gpt-4o");
    expect(proxy.protocols.slice(before)).toEqual([wire]);
  });

  it("streams a completion chunk by chunk, saying where it was served on the first", async () => {
    const chunks = [];
    for await (const chunk of client({ protocol }).chat.streamChatCompletion({ request: hello() })) chunks.push(chunk);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? "").join("");
    expect(text).toBe("Hello from gpt-4o");
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta?.content).length).toBeGreaterThan(1);
    expect(chunks[0]?.servedBy?.deployment).toBe("gpt-4o");
  });

  it("sends the default deadline with every call", async () => {
    const recorder = headerRecorder();
    await client({ protocol, interceptors: [recorder.interceptor] }).chat.listModels({});
    expect(recorder.seen[0]?.get(timeoutHeader)).toBe(timeoutValue);
  });

  it("ends a call the gateway cannot answer in time with deadline_exceeded and cancels the Azure request", async () => {
    const aborts = gw.fake.clientAborts;
    const error = await failure(client({ protocol, timeoutMs: 300 }).chat.createChatCompletion(hello("azure/gpt-4o-mini")));
    expect(error.code).toBe(Code.DeadlineExceeded);
    await gw.fake.waitForClientAborts(aborts + 1);
  });

  it("reports an unknown key as unauthenticated with TensorWall's error code", async () => {
    const error = await failure(client({ protocol, apiKey: newKeySecret() }).chat.createChatCompletion(hello()));
    expect(error.code).toBe(Code.Unauthenticated);
    expect(error.metadata.get("tensorwall-error-code")).toBe("invalid_api_key");
  });
});

describe("createTensorWallClient", () => {
  it("gives a call's own timeoutMs precedence over the default deadline", async () => {
    const slow = { kind: "normal", chunkDelayMs: 100 } as const;
    gw.fake.behave("gpt-4o", slow, { times: 2 });
    const chat = client({ timeoutMs: 150 }).chat;
    const chunks = async (timeoutMs?: number): Promise<number> => {
      let count = 0;
      for await (const _ of chat.streamChatCompletion({ request: hello() }, { timeoutMs })) count += 1;
      return count;
    };
    expect((await failure(chunks())).code).toBe(Code.DeadlineExceeded);
    expect(await chunks(5_000)).toBeGreaterThan(2);
  });

  it("sends no deadline when timeoutMs is 0", async () => {
    const recorder = headerRecorder();
    await client({ timeoutMs: 0, interceptors: [recorder.interceptor] }).chat.listModels({});
    expect(recorder.seen[0]?.has("connect-timeout-ms")).toBe(false);
  });

  it("sends its headers with every call, here an Azure endpoint the allowlist refuses", async () => {
    const chat = client({ headers: { "x-azure-endpoint": "https://attacker.example.com", "x-azure-api-key": "k" } }).chat;
    const error = await failure(chat.createChatCompletion(hello()));
    expect(error.code).toBe(Code.PermissionDenied);
    expect(error.metadata.get("tensorwall-error-code")).toBe("endpoint_not_allowed");
  });

  it("lets a call's own authorization header win over the client's key", async () => {
    const chat = client({ apiKey: newKeySecret() }).chat;
    const response = await chat.createChatCompletion(hello(), { headers: { authorization: `Bearer ${key}` } });
    expect(response.choices[0]?.message?.content).toBe("Hello from gpt-4o");
  });

  it("reaches AdminService with an admin key", async () => {
    const created = await gw.createKey({ name: "listed-by-the-client" });
    const { keys } = await client({ apiKey: gw.adminKey }).admin.listKeys({});
    expect(keys.map((listed) => listed.id)).toContain(created.id);
  });

  it("shares one HTTP/2 connection among its clients and any made from its transport", async () => {
    const proxy = await startProtocolRecordingProxy(gw.port);
    try {
      const tw = client({ baseUrl: proxy.url, apiKey: gw.adminKey });
      await tw.chat.listModels({});
      await tw.admin.listKeys({});
      await createClient(ChatService, tw.transport).listModels({});
      expect(proxy.protocols).toEqual(["h2"]);
    } finally {
      await proxy.close();
    }
  });

  it.each(["connect", "grpc-web"] as const)("closes its own connections on close() (%s)", async (protocol) => {
    const proxy = await startProtocolRecordingProxy(gw.port);
    try {
      const tw = createTensorWallClient({ baseUrl: proxy.url, apiKey: key, protocol });
      await tw.chat.listModels({});
      expect(proxy.openConnections).toBe(1);
      tw.close();
      // The gateway drops idle connections itself after a few seconds; close() must not wait for that.
      await within(1_000, proxy.waitForNoConnections());
    } finally {
      await proxy.close();
    }
  });

  it.each<[string, Partial<TensorWallClientOptions>, RegExp]>([
    ["gRPC over HTTP/1.1", { protocol: "grpc", httpVersion: "1.1" }, /needs HTTP\/2/],
    ["an unknown protocol", { protocol: "soap" as TensorWallProtocol }, /protocol must be/],
    ["an empty key", { apiKey: "" }, /apiKey/],
    ["a negative deadline", { timeoutMs: -1 }, /timeoutMs/],
    ["a URL that is not http", { baseUrl: "ftp://localhost:8000" }, /baseUrl/],
  ])("refuses %s when created", (_, options, message) => {
    expect(() => createTensorWallClient({ baseUrl: gw.url, apiKey: key, ...options })).toThrow(message);
  });
});
