import type { TokenCredential } from "@azure/identity";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { AddressInfo } from "node:net";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { AdminService } from "../../gen/tensorwall/v1/admin_pb.js";
import { ChatService } from "../../gen/tensorwall/v1/chat_pb.js";
import { createAdminService } from "../admin/index.js";
import { AzureClient, EndpointAllowlist, type EntraCredentialChoice } from "../azure/index.js";
import { createRestBridge } from "../bridge/openai/index.js";
import { ChatCompletions, createChatService } from "../chat/index.js";
import type { GatewayConfig } from "../config/index.js";
import { combineReadinessChecks, createHealthService, HealthRegistry, storeReadiness } from "../health/index.js";
import { KeyRegistry } from "../keys/index.js";
import { DeploymentPool, RouteResolver, type DeploymentEvent } from "../pool/index.js";
import { registerServerReflection } from "../reflection/index.js";
import { openLimitCounters, openStore } from "../store/index.js";
import { deploymentPriceOverrides, KeyGovernor, Pricing, routeCandidates, UsageAccounting, UsageLedger } from "../usage/index.js";
import { gatewayErrorInterceptor } from "./gateway-error-interceptor.js";
import { OnePortServer } from "./one-port-server.js";

export interface GatewayOptions {
  /** Milliseconds since the epoch; tests inject their own. */
  readonly clock?: () => number;
  /** Receives errors the gateway did not expect. Default: one JSON line on stderr. */
  readonly onUnexpectedError?: (error: unknown) => void;
  /** Told of circuit transitions and cooldowns of configured deployments. Default: one JSON line on stdout. */
  readonly onPoolEvent?: (deploymentId: string, event: DeploymentEvent) => void;
  /** The Entra ID credential behind managed_identity / default_credential endpoints. Default: @azure/identity's. */
  readonly entraCredential?: (choice: EntraCredentialChoice) => TokenCredential;
}

/** A built gateway: everything wired, nothing listening yet. */
export interface Gateway {
  /** The admin key generated on this start, if one had to be; it is shown once and never stored plain. */
  readonly generatedAdminKey: string | undefined;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, lets in-flight requests finish within the grace period, then releases everything. */
  close(): Promise<void>;
}

/** How long close() waits for streams cut off by the shutdown to finish their accounts. */
const ACCOUNTING_DRAIN_MS = 1000;

export async function buildGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<Gateway> {
  const onUnexpectedError = options.onUnexpectedError ?? logUnexpectedError;
  const clock = options.clock ?? Date.now;
  const store = await openStore({ databaseUrl: config.databaseUrl, databasePath: config.databasePath, clock, onIdleError: onUnexpectedError });
  const counters = await openLimitCounters(config.redisUrl);
  const keys = new KeyRegistry({ store, hashSecret: config.keyHashSecret, clock });
  const { generatedSecret } = await keys.ensureAdminKey(config.adminKey);
  const allowlist = new EndpointAllowlist(config.allowedEndpointPatterns);
  const azure = new AzureClient(config.upstream);
  const pool = new DeploymentPool({
    azure,
    resolver: new RouteResolver(config.azure, allowlist),
    config: config.pool,
    upstream: config.upstream,
    onEvent: options.onPoolEvent ?? logPoolEvent,
    ...(options.clock !== undefined && { clock: options.clock }),
    ...(options.entraCredential !== undefined && { credentialFor: options.entraCredential }),
  });
  const ledger = new UsageLedger({ store, flushIntervalMs: config.usageFlushIntervalMs, onError: onUnexpectedError });
  const governor = new KeyGovernor({ counters, spentBetween: (...period) => ledger.costBetween(...period), clock, onError: onUnexpectedError });
  const accounting = new UsageAccounting({
    ledger,
    governor,
    pricing: new Pricing({ deploymentOverrides: deploymentPriceOverrides(config.pool?.routes ?? []) }),
    candidates: routeCandidates(config.pool),
    clock,
  });
  const chat = new ChatCompletions(pool, accounting);
  const health = new HealthRegistry([ChatService.typeName, AdminService.typeName]);
  // Each part the gateway cannot serve without adds its check here (the pool's, once it tracks
  // deployment availability).
  const readiness = combineReadinessChecks(
    { server: () => health.readiness(), store: storeReadiness(store) },
    { onCheckError: onUnexpectedError },
  );

  const handler = connectNodeAdapter({
    routes: (router) => {
      router.service(ChatService, createChatService(chat, keys));
      router.service(AdminService, createAdminService(keys, pool, { store, flush: () => ledger.flush() }));
      router.service(Health, createHealthService(health));
      registerServerReflection(router);
    },
    fallback: createRestBridge({ chat, keys, maxRequestBytes: config.maxRequestBytes, onUnexpectedError, readiness }),
    interceptors: [gatewayErrorInterceptor(onUnexpectedError)],
    readMaxBytes: config.maxRequestBytes,
  });
  const server = new OnePortServer(handler, { tls: config.tls });

  return {
    generatedAdminKey: generatedSecret,
    listen: (port, host) => server.listen(port, host),
    async close() {
      // First, so health watchers and /readyz say NOT_SERVING while in-flight requests finish.
      health.shutDown();
      await server.close(config.shutdownGraceMs);
      await azure.close();
      // Every finished request reaches the ledger before the stores close.
      await accounting.close(ACCOUNTING_DRAIN_MS);
      await counters.close();
      await store.close();
    },
  };
}

function logUnexpectedError(error: unknown): void {
  const detail = error instanceof Error ? error.stack ?? error.message : String(error);
  process.stderr.write(`${JSON.stringify({ level: "error", time: new Date().toISOString(), msg: "unexpected error", error: detail })}\n`);
}

function logPoolEvent(deploymentId: string, event: DeploymentEvent): void {
  const fields = event.type === "circuit"
    ? { msg: `circuit ${event.to}`, ...("reason" in event && { reason: event.reason }) }
    : { msg: "cooldown", until: new Date(event.untilMs).toISOString() };
  const line = { level: "info", time: new Date(event.atMs).toISOString(), deployment: deploymentId, ...fields };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
