import type { TokenCredential } from "@azure/identity";
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdminService } from "../../gen/tensorwall/v1/admin_pb.js";
import type { EntraCredentialChoice } from "../../src/azure/index.js";
import { loadConfig } from "../../src/config/index.js";
import type { DeploymentEvent } from "../../src/pool/index.js";
import { buildGateway, type Gateway } from "../../src/server/build-gateway.js";
import { startFakeAzure, type FakeAzure, type FakeAzureOptions } from "../support/fake-azure.js";
import { newKeySecret } from "../support/gateway-harness.js";

export const EAST_KEY = "east-azure-key-0123456789";
export const WEST_KEY = "west-azure-key-0123456789";

/**
 * Two simulated Azure regions, each with its own deployment:
 * - eastus: deployment "gpt4o-ptu" (priority 0 in route gpt-4o)
 * - westeu: deployment "gpt4o-paygo" (priority 1)
 * The default config below routes `gpt-4o` over both; tests may pass their own.
 */
export function defaultPoolYaml(urls: { east: string; west: string }): string {
  return `
endpoints:
  eastus: { url: "${urls.east}", region: eastus, api_key_env: AZURE_KEY_EAST }
  westeu: { url: "${urls.west}", region: westeurope, api_key_env: AZURE_KEY_WEST }
breaker:
  consecutive_failures: 3
  reset_timeout_ms: 60000
routes:
  gpt-4o:
    strategy: priority
    retry: { max_attempts: 3, backoff_base_ms: 10, backoff_max_ms: 50 }
    timeouts: { first_byte_ms: 2000, between_chunks_ms: 250, request_ms: 10000 }
    deployments:
      - { endpoint: eastus, deployment: gpt4o-ptu, model: gpt-4o, priority: 0 }
      - { endpoint: westeu, deployment: gpt4o-paygo, model: gpt-4o, priority: 1 }
`;
}

export interface PoolGatewayOptions {
  /** The config file's text; default defaultPoolYaml. */
  readonly yaml?: (urls: { east: string; west: string }) => string;
  /** The gateway's clock; default Date.now. */
  readonly clock?: () => number;
  readonly west?: Partial<FakeAzureOptions>;
  readonly entraCredential?: (choice: EntraCredentialChoice) => TokenCredential;
}

export interface RestResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: { error?: { code: string; message: string }; choices?: { message?: { content?: string } }[] };
}

/** A real gateway on a loopback port, routing over two fake Azure regions by a config file. */
export interface PoolGateway {
  readonly url: string;
  readonly adminKey: string;
  readonly east: FakeAzure;
  readonly west: FakeAzure;
  readonly gateway: Gateway;
  readonly admin: Client<typeof AdminService>;
  readonly events: { deploymentId: string; event: DeploymentEvent }[];
  readonly unexpectedErrors: unknown[];
  /** POST /v1/chat/completions with the admin key (admins may chat). */
  post(body: object, headers?: Record<string, string>): Promise<RestResult>;
  close(): Promise<void>;
}

export async function startPoolGateway(options: PoolGatewayOptions = {}): Promise<PoolGateway> {
  const east = await startFakeAzure({ apiKey: EAST_KEY, deployments: ["gpt4o-ptu"], region: "eastus" });
  const west = await startFakeAzure({ apiKey: WEST_KEY, deployments: ["gpt4o-paygo"], region: "westeurope", ...options.west });
  const dir = mkdtempSync(join(tmpdir(), "tensorwall-pool-"));
  const configFile = join(dir, "pool.yaml");
  writeFileSync(configFile, (options.yaml ?? defaultPoolYaml)({ east: east.url, west: west.url }));
  const adminKey = newKeySecret();
  const config = loadConfig({
    HOST: "127.0.0.1",
    PORT: "0",
    TENSORWALL_DB: ":memory:",
    TENSORWALL_ADMIN_KEY: adminKey,
    TENSORWALL_CONFIG: configFile,
    TENSORWALL_SHUTDOWN_GRACE_MS: "200",
    // Request log lines would flood the test output; test/observability reads them from its own logger.
    LOG_LEVEL: "silent",
    AZURE_KEY_EAST: EAST_KEY,
    AZURE_KEY_WEST: WEST_KEY,
  });
  const unexpectedErrors: unknown[] = [];
  const events: { deploymentId: string; event: DeploymentEvent }[] = [];
  const gateway = await buildGateway(config, {
    onUnexpectedError: (error) => unexpectedErrors.push(error),
    onPoolEvent: (deploymentId, event) => events.push({ deploymentId, event }),
    ...(options.clock !== undefined && { clock: options.clock }),
    ...(options.entraCredential !== undefined && { entraCredential: options.entraCredential }),
  });
  const address = await gateway.listen(0, "127.0.0.1");
  const url = `http://127.0.0.1:${address.port}`;
  const admin = createClient(
    AdminService,
    createConnectTransport({
      baseUrl: url,
      httpVersion: "1.1",
      interceptors: [
        (next) => (req) => {
          req.header.set("authorization", `Bearer ${adminKey}`);
          return next(req);
        },
      ],
    }),
  );
  return {
    url,
    adminKey,
    east,
    west,
    gateway,
    admin,
    events,
    unexpectedErrors,
    async post(body, headers = {}) {
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${adminKey}`, ...headers },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      return {
        status: response.status,
        headers: response.headers,
        text,
        get json() {
          return JSON.parse(text) as RestResult["json"];
        },
      };
    },
    async close() {
      await gateway.close();
      await Promise.all([east.close(), west.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The `data:` payloads of an SSE body, in order. */
export function sseEvents(text: string): string[] {
  return text
    .split("\n\n")
    .filter((event) => event.startsWith("data: "))
    .map((event) => event.slice("data: ".length));
}
