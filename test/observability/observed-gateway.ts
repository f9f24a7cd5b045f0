/**
 * A real gateway in front of fake Azure servers, with its log lines captured and, on request, its
 * spans exported to memory. With `poolYaml` the gateway routes over a config file naming the fakes
 * (fake i is endpoint `region<i>` in region `region<i>`); otherwise fake 0 is AZURE_OPENAI_ENDPOINT.
 */
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdminService, KeyRole } from "../../gen/tensorwall/v1/admin_pb.js";
import { loadConfig } from "../../src/config/index.js";
import { createLogger } from "../../src/logging/index.js";
import { buildGateway, type Gateway } from "../../src/server/build-gateway.js";
import { Tracing } from "../../src/tracing/index.js";
import { startFakeAzure, type FakeAzure } from "../support/fake-azure.js";
import { FAKE_AZURE_KEY, newKeySecret } from "../support/gateway-harness.js";

export type LogLine = Record<string, unknown> & { msg: string; level: string };

export interface ObservedGateway {
  readonly url: string;
  readonly adminKey: string;
  readonly fakes: readonly FakeAzure[];
  readonly fake: FakeAzure;
  readonly gateway: Gateway;
  readonly admin: Client<typeof AdminService>;
  /** Every line logged so far, raw. */
  readonly rawLines: string[];
  /** Spans finished so far; undefined without `tracing`. */
  readonly spans: InMemorySpanExporter | undefined;
  /** The parsed lines, optionally only those with this message. */
  lines(msg?: string): LogLine[];
  /** Resolves once `count` "request" lines were logged (a stream's comes after its last byte). */
  waitForRequestLines(count: number): Promise<LogLine[]>;
  createKey(options?: { admin?: boolean }): Promise<{ id: string; secret: string }>;
  close(): Promise<void>;
}

export interface ObservedGatewayOptions {
  /** Environment settings on top of the harness's own; a function sees the fakes (their URLs). */
  readonly env?: Record<string, string> | ((fakes: readonly FakeAzure[]) => Record<string, string>);
  /** Export spans to memory. */
  readonly tracing?: boolean;
  /** How many fake Azure servers. Default 1. */
  readonly fakes?: number;
  /** A pool config file, given the fakes' URLs. */
  readonly poolYaml?: (urls: readonly string[]) => string;
}

export async function startObservedGateway(options: ObservedGatewayOptions = {}): Promise<ObservedGateway> {
  const fakes = await Promise.all(
    Array.from({ length: options.fakes ?? 1 }, (_, i) =>
      startFakeAzure({ apiKey: FAKE_AZURE_KEY, deployments: ["gpt-4o", "gpt-4o-mini"], region: `region${i}` }),
    ),
  );
  const dir = mkdtempSync(join(tmpdir(), "tensorwall-observed-"));
  const poolEnv: Record<string, string> = {};
  if (options.poolYaml !== undefined) {
    const file = join(dir, "pool.yaml");
    writeFileSync(file, options.poolYaml(fakes.map((fake) => fake.url)));
    poolEnv["TENSORWALL_CONFIG"] = file;
    poolEnv["AZURE_KEY"] = FAKE_AZURE_KEY;
  } else {
    poolEnv["AZURE_OPENAI_ENDPOINT"] = fakes[0]!.url;
    poolEnv["AZURE_OPENAI_API_KEY"] = FAKE_AZURE_KEY;
    poolEnv["AZURE_OPENAI_REGION"] = "eastus";
  }
  const adminKey = newKeySecret();
  const config = loadConfig({
    HOST: "127.0.0.1",
    PORT: "0",
    TENSORWALL_DB: ":memory:",
    TENSORWALL_ADMIN_KEY: adminKey,
    TENSORWALL_SHUTDOWN_GRACE_MS: "200",
    LOG_LEVEL: "debug",
    ...poolEnv,
    ...(typeof options.env === "function" ? options.env(fakes) : options.env),
  });
  const rawLines: string[] = [];
  const waiters: (() => void)[] = [];
  const logger = createLogger({
    level: config.observability.logLevel,
    destination: {
      write(line: string) {
        rawLines.push(line);
        for (const waiter of waiters.splice(0)) waiter();
      },
    },
  });
  const spans = options.tracing === true ? new InMemorySpanExporter() : undefined;
  const gateway = await buildGateway(config, {
    logger,
    ...(spans !== undefined && { tracing: new Tracing({ serviceName: "tensorwall-test", spanProcessors: [new SimpleSpanProcessor(spans)] }) }),
  });
  const address = await gateway.listen(0, "127.0.0.1");
  const url = `http://127.0.0.1:${address.port}`;
  const admin = createClient(
    AdminService,
    createConnectTransport({
      baseUrl: url,
      httpVersion: "1.1",
      interceptors: [(next) => (req) => (req.header.set("authorization", `Bearer ${adminKey}`), next(req))],
    }),
  );
  const lines = (msg?: string): LogLine[] =>
    rawLines.map((line) => JSON.parse(line) as LogLine).filter((line) => msg === undefined || line.msg === msg);
  return {
    url,
    adminKey,
    fakes,
    fake: fakes[0]!,
    gateway,
    admin,
    rawLines,
    spans,
    lines,
    async waitForRequestLines(count) {
      while (lines("request").length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return lines("request");
    },
    async createKey(keyOptions = {}) {
      const created = await admin.createKey({ name: "observed", role: keyOptions.admin === true ? KeyRole.ADMIN : KeyRole.CLIENT });
      return { id: created.key!.id, secret: created.secret };
    },
    async close() {
      await gateway.close();
      await Promise.all(fakes.map((fake) => fake.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A two-deployment pool over fakes 0 and 1, priority order: region0 first. */
export function twoRegionPool(urls: readonly string[]): string {
  return `
endpoints:
  region0: { url: "${urls[0]}", region: region0, api_key_env: AZURE_KEY }
  region1: { url: "${urls[1]}", region: region1, api_key_env: AZURE_KEY }
defaults:
  retry: { max_attempts: 3, backoff_base_ms: 1, backoff_max_ms: 5 }
breaker: { consecutive_failures: 2, minimum_requests: 100, reset_timeout_ms: 600000 }
routes:
  gpt-4o:
    strategy: priority
    deployments:
      - { endpoint: region0, deployment: gpt-4o, model: gpt-4o, priority: 0 }
      - { endpoint: region1, deployment: gpt-4o, model: gpt-4o, priority: 1 }
`;
}
