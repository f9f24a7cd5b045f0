import type { TokenCredential } from "@azure/identity";
import type { Logger } from "pino";
import { setMaxListeners } from "node:events";
import type { AddressInfo } from "node:net";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { AdminService } from "../../gen/tensorwall/v1/admin_pb.js";
import { ChatService } from "../../gen/tensorwall/v1/chat_pb.js";
import { createAdminService } from "../admin/index.js";
import { AzureClient, EndpointAllowlist, type EntraCredentialChoice } from "../azure/index.js";
import { createRestBridge } from "../bridge/openai/index.js";
import { CALL_SIGNAL, ChatCompletions, createChatService } from "../chat/index.js";
import type { GatewayConfig } from "../config/index.js";
import { GatewayError } from "../errors/index.js";
import { combineReadinessChecks, createHealthService, HealthRegistry, storeReadiness } from "../health/index.js";
import { KeyRegistry } from "../keys/index.js";
import { createLogger, flushLogger, poolEventLog, unexpectedErrorLog } from "../logging/index.js";
import { GatewayMetrics, metricsEndpoint } from "../metrics/index.js";
import { Telemetry } from "../observability/index.js";
import { DeploymentPool, RouteResolver, type DeploymentEvent } from "../pool/index.js";
import { registerServerReflection } from "../reflection/index.js";
import { openLimitCounters, openStore } from "../store/index.js";
import { otlpTracing, type Tracing } from "../tracing/index.js";
import { deploymentPriceOverrides, KeyGovernor, Pricing, routeCandidates, UsageAccounting, UsageLedger } from "../usage/index.js";
import { gatewayErrorInterceptor } from "./gateway-error-interceptor.js";
import { OnePortServer } from "./one-port-server.js";
import { rpcRequestHandler } from "./rpc-request-handler.js";
import { applyV8Settings } from "./v8-settings.js";

export interface GatewayOptions {
  /** Milliseconds since the epoch; tests inject their own. */
  readonly clock?: () => number;
  /**
   * The one logger: a line per request, pool events, unexpected errors. Default: JSON lines on
   * stdout at LOG_LEVEL, flushed by close().
   */
  readonly logger?: Logger;
  /** Tracing instead of what OTEL_EXPORTER_OTLP_ENDPOINT configures (tests export to memory). close() shuts it down. */
  readonly tracing?: Tracing;
  /** Receives errors the gateway did not expect. Default: an error line in the log. */
  readonly onUnexpectedError?: (error: unknown) => void;
  /**
   * Told of circuit transitions and cooldowns of configured deployments. Default: a line in the
   * log. Metrics count them either way.
   */
  readonly onPoolEvent?: (deploymentId: string, event: DeploymentEvent) => void;
  /** The Entra ID credential behind managed_identity / default_credential endpoints. Default: @azure/identity's. */
  readonly entraCredential?: (choice: EntraCredentialChoice) => TokenCredential;
}

/** A built gateway: everything wired, nothing listening yet. */
export interface Gateway {
  /** The admin key generated on this start, if one had to be; it is shown once and never stored plain. */
  readonly generatedAdminKey: string | undefined;
  listen(port: number, host: string): Promise<AddressInfo>;
  /**
   * Stops accepting, lets in-flight requests finish within the grace period, ends the rest with the
   * shutdown error, writes the usage ledger, then releases everything.
   */
  close(): Promise<void>;
}

/** How long close() waits for streams cut off by the shutdown to finish their accounts. */
const ACCOUNTING_DRAIN_MS = 1000;

/**
 * After the grace period, how long requests get to send the shutdown error before their
 * connections are cut.
 */
const LAST_WORD_MS = 1000;

/** What requests still running when the grace period ends answer: 503, which clients retry elsewhere. */
const SHUTTING_DOWN = new GatewayError("upstream_unavailable", "The gateway is shutting down; retry the request.");

/** Wires a gateway from its configuration, and sets the process's V8 heuristics (see applyV8Settings). */
export async function buildGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<Gateway> {
  applyV8Settings();
  const { observability } = config;
  const logger = options.logger ?? createLogger({ level: observability.logLevel });
  const onUnexpectedError = options.onUnexpectedError ?? unexpectedErrorLog(logger);
  const onPoolEvent = options.onPoolEvent ?? poolEventLog(logger);
  const clock = options.clock ?? Date.now;
  const metrics: GatewayMetrics | undefined = observability.metrics === "off"
    ? undefined
    : new GatewayMetrics({
        // Read at scrape time; both exist by the time anything can scrape.
        deployments: () => pool.listDeployments(),
        inFlightRequests: (): number => server.inFlightRequests,
        clock,
      });
  const tracing = options.tracing ?? (observability.tracing === undefined ? undefined : otlpTracing(observability.tracing));
  const telemetry = new Telemetry({ logger, logPrompts: observability.logPrompts, metrics, tracing });
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
    onEvent: (deploymentId, event) => {
      metrics?.deploymentEvent(deploymentId, event);
      onPoolEvent(deploymentId, event);
    },
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

  const shutdown = new AbortController();
  // Every request in flight listens for it: that is one listener per request, not a leak.
  setMaxListeners(Infinity, shutdown.signal);
  const rpc = rpcRequestHandler({
    routes: (router) => {
      router.service(ChatService, createChatService(chat, keys));
      router.service(AdminService, createAdminService(keys, pool, { store, flush: () => ledger.flush() }));
      router.service(Health, createHealthService(health));
      registerServerReflection(router);
    },
    fallback: createRestBridge({
      chat,
      keys,
      maxRequestBytes: config.maxRequestBytes,
      onUnexpectedError,
      readiness,
      metrics: metrics === undefined || observability.metrics === "off" ? undefined : metricsEndpoint(metrics, observability.metrics, keys),
      shutdownSignal: shutdown.signal,
    }),
    contextValues: (req) => telemetry.contextValues(req),
    startCall: (stream, headers, signal) => {
      const observed = telemetry.observeStream(stream, headers);
      observed.values.set(CALL_SIGNAL, signal);
      return observed;
    },
    onUnexpectedError,
    interceptors: [gatewayErrorInterceptor({ onUnexpectedError, onCallFailed: telemetry.rpcFailed })],
    readMaxBytes: config.maxRequestBytes,
    shutdownSignal: shutdown.signal,
  });
  const server: OnePortServer = new OnePortServer(telemetry.observe(rpc.request), { tls: config.tls }, rpc.stream);

  return {
    generatedAdminKey: generatedSecret,
    listen: (port, host) => server.listen(port, host),
    async close() {
      // First, so health watchers and /readyz say NOT_SERVING while in-flight requests finish.
      health.shutDown();
      // Requests still running when the grace period ends are told to stop and answer the shutdown
      // error (a stream as its last event); connections still open after that are cut.
      const stopWaiting = setTimeout(() => shutdown.abort(SHUTTING_DOWN), config.shutdownGraceMs);
      await server.close(config.shutdownGraceMs + LAST_WORD_MS);
      clearTimeout(stopWaiting);
      await azure.close();
      // Every finished request reaches the ledger before the stores close.
      await accounting.close(ACCOUNTING_DRAIN_MS);
      await counters.close();
      await store.close();
      await telemetry.close();
      if (options.logger === undefined) await flushLogger(logger);
    },
  };
}
