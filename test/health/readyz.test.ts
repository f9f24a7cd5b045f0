import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRestBridge } from "../../src/bridge/openai/index.js";
import { combineReadinessChecks, storeReadiness } from "../../src/health/index.js";
import { StampedResponse } from "../../src/server/stamped-response.js";
import { SqliteStore } from "../../src/store/index.js";
import { startTestGateway, type TestGateway } from "../support/gateway-harness.js";

describe("GET /readyz on a running gateway", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());
  afterEach(() => expect(gw.unexpectedErrors).toEqual([]));

  it("answers 200 while the store answers, to a caller with no key", async () => {
    const response = await fetch(`${gw.url}/readyz`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ status: "ready" });
  });

  it("refuses other methods", async () => {
    expect((await fetch(`${gw.url}/readyz`, { method: "POST" })).status).toBe(405);
  });
});

describe("GET /readyz when the store cannot answer", () => {
  const store = new SqliteStore(":memory:");
  const checkErrors: unknown[] = [];
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    await store.close();
    const handler = createRestBridge({
      // The readiness path reads neither.
      chat: undefined as never,
      keys: undefined as never,
      maxRequestBytes: 1024,
      onUnexpectedError: (error) => checkErrors.push(error),
      readiness: combineReadinessChecks(
        { store: storeReadiness(store) },
        { onCheckError: (error) => checkErrors.push(error) },
      ),
    });
    server = http.createServer({ ServerResponse: StampedResponse }, handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("answers 503 naming the store, and leaves the error's detail to the logs", async () => {
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "not_ready", reason: "store: check failed" });
    expect(checkErrors).toHaveLength(1);
    expect(String(checkErrors[0])).toMatch(/not open/);
  });
});
