import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { randomBytes } from "node:crypto";
import { AdminService, KeyRole } from "../../gen/tensorwall/v1/admin_pb.js";
import { loadConfig } from "../../src/config/index.js";
import { buildGateway, type Gateway } from "../../src/server/build-gateway.js";
import { startFakeAzure, type FakeAzure, type FakeAzureOptions } from "./fake-azure.js";

export const FAKE_AZURE_KEY = "fake-azure-key-0123456789";

/** A real gateway on a loopback port in front of a fake Azure OpenAI server. */
export interface TestGateway {
  readonly url: string;
  readonly port: number;
  readonly adminKey: string;
  readonly fake: FakeAzure;
  readonly gateway: Gateway;
  readonly admin: Client<typeof AdminService>;
  /** Errors the gateway did not expect. A test that ends with any has found a bug. */
  readonly unexpectedErrors: unknown[];
  createKey(options?: { allowedModels?: string[]; admin?: boolean; name?: string }): Promise<{ id: string; secret: string }>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  /** Environment settings on top of the harness's own. */
  readonly env?: Record<string, string>;
  readonly fake?: Partial<FakeAzureOptions>;
}

export function newKeySecret(): string {
  return `gw_${randomBytes(32).toString("base64url")}`;
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const fake = await startFakeAzure({ apiKey: FAKE_AZURE_KEY, deployments: ["gpt-4o", "gpt-4o-mini"], ...options.fake });
  const adminKey = newKeySecret();
  const unexpectedErrors: unknown[] = [];
  const config = loadConfig({
    HOST: "127.0.0.1",
    PORT: "0",
    TENSORWALL_DB: ":memory:",
    TENSORWALL_ADMIN_KEY: adminKey,
    AZURE_OPENAI_ENDPOINT: fake.url,
    AZURE_OPENAI_API_KEY: FAKE_AZURE_KEY,
    AZURE_OPENAI_REGION: "eastus",
    TENSORWALL_SHUTDOWN_GRACE_MS: "200",
    // Request log lines would flood the test output; test/observability reads them from its own logger.
    LOG_LEVEL: "silent",
    ...options.env,
  });
  const gateway = await buildGateway(config, { onUnexpectedError: (error) => unexpectedErrors.push(error) });
  const address = await gateway.listen(config.port, config.host);
  const url = `http://127.0.0.1:${address.port}`;
  const admin = createClient(
    AdminService,
    createConnectTransport({ baseUrl: url, httpVersion: "1.1", interceptors: [(next) => (req) => {
      req.header.set("authorization", `Bearer ${adminKey}`);
      return next(req);
    }] }),
  );
  return {
    url,
    port: address.port,
    adminKey,
    fake,
    gateway,
    admin,
    unexpectedErrors,
    async createKey(keyOptions = {}) {
      const created = await admin.createKey({
        name: keyOptions.name ?? "test",
        role: keyOptions.admin === true ? KeyRole.ADMIN : KeyRole.CLIENT,
        allowedModels: keyOptions.allowedModels ?? [],
      });
      return { id: created.key!.id, secret: created.secret };
    },
    async close() {
      await gateway.close();
      await fake.close();
    },
  };
}
