import { Code, ConnectError, createClient, createRouterTransport, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { createHealthService, HealthRegistry } from "../../src/health/index.js";
import { startTestGateway, type TestGateway } from "../support/gateway-harness.js";

// No interceptor adds a key: health is for load balancers and probes, which have none.
const transports: [string, (baseUrl: string) => Transport][] = [
  ["gRPC over h2c", (baseUrl) => createGrpcTransport({ baseUrl })],
  ["Connect JSON over HTTP/1.1", (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "1.1" })],
  ["gRPC-Web over HTTP/1.1", (baseUrl) => createGrpcWebTransport({ baseUrl, httpVersion: "1.1" })],
];

describe("grpc.health.v1.Health on a running gateway", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());
  afterEach(() => expect(gw.unexpectedErrors).toEqual([]));

  describe.each(transports)("over %s", (_name, transportFor) => {
    const client = () => createClient(Health, transportFor(gw.url));

    it("reports the server and each API service SERVING, to a caller with no key", async () => {
      for (const service of ["", "tensorwall.v1.ChatService", "tensorwall.v1.AdminService"]) {
        expect((await client().check({ service })).status).toBe(ServingStatus.SERVING);
      }
    });

    it("fails Check for an unknown service with NotFound", async () => {
      const error = await client()
        .check({ service: "tensorwall.v1.Nope" })
        .catch((e: unknown) => ConnectError.from(e));
      expect(error).toMatchObject({ code: Code.NotFound });
    });

    it("lists every service it reports on", async () => {
      const { statuses } = await client().list({});
      expect(Object.keys(statuses).sort()).toEqual(["", "tensorwall.v1.AdminService", "tensorwall.v1.ChatService"]);
    });

    it("watches a service: SERVING at once, and the stream stays open until the caller cancels", async () => {
      const abort = new AbortController();
      const watch = client().watch({ service: "tensorwall.v1.ChatService" }, { signal: abort.signal })[Symbol.asyncIterator]();
      expect((await watch.next()).value?.status).toBe(ServingStatus.SERVING);
      const next = watch.next();
      abort.abort();
      await expect(next).rejects.toMatchObject({ code: Code.Canceled });
    });
  });
});

describe.each(transports.slice(0, 2))("Health over %s while the gateway closes", (_name, transportFor) => {
  it("tells watchers NOT_SERVING as close() begins, then ends their streams cleanly", async () => {
    const gw = await startTestGateway();
    const received: ServingStatus[] = [];
    const watch = createClient(Health, transportFor(gw.url)).watch({ service: "" });
    const watching = (async () => {
      for await (const response of watch) {
        received.push(response.status);
        if (received.length === 1) void gw.close();
      }
    })();
    await watching;
    await gw.close();
    expect(received).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
    expect(gw.unexpectedErrors).toEqual([]);
  });
});

describe("Health once shutdown has begun", () => {
  it("answers Check with NOT_SERVING for the server and every service", async () => {
    const registry = new HealthRegistry(["tensorwall.v1.ChatService"]);
    const client = createClient(
      Health,
      createRouterTransport(({ service }) => service(Health, createHealthService(registry))),
    );
    registry.shutDown();
    expect((await client.check({ service: "" })).status).toBe(ServingStatus.NOT_SERVING);
    expect((await client.check({ service: "tensorwall.v1.ChatService" })).status).toBe(ServingStatus.NOT_SERVING);
  });
});
