import type { JsonObject } from "@bufbuild/protobuf";
import type { TokenCredential } from "@azure/identity";
import { setTimeout as sleep } from "node:timers/promises";
import { toAbortSignal, type CancelSignal } from "../cancel/index.js";
import type { AzureClient, EntraCredentialChoice, RequestOptions, RequestTimeouts, UpstreamMeta } from "../azure/index.js";
import {
  DEFAULT_BREAKER_SETTINGS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type PoolConfig,
  type RouteSettings,
  type UpstreamTimeouts,
} from "../config/index.js";
import { GatewayError } from "../errors/index.js";
import { ObservedAttempts } from "./observed-attempts.js";
import { PoolRoute } from "./pool-route.js";
import { PoolRoutes } from "./pool-routes.js";
import { PooledDeployment, type DeploymentEvent, type DeploymentSnapshot } from "./pooled-deployment.js";
import { PooledStream } from "./pooled-stream.js";
import { RequestDeadline } from "./request-deadline.js";
import type { Candidate, RouteResolver } from "./route-resolver.js";
import { runWithFailover, type FailoverEnvironment, type FailoverResult } from "./run-with-failover.js";
import type { ServedBy, UpstreamCall } from "./served-by.js";

export interface PooledReply<T> {
  readonly value: T;
  readonly servedBy: ServedBy;
  readonly meta: UpstreamMeta;
}

export interface DeploymentPoolOptions {
  readonly azure: AzureClient;
  /** Serves calls with X-Azure-Endpoint, and every call when there is no config file. */
  readonly resolver: RouteResolver;
  /** The config file's routes (TENSORWALL_CONFIG). Unset: one deployment per call, from the environment. */
  readonly config?: PoolConfig | undefined;
  /** The environment's timeouts, for calls the config file does not route. */
  readonly upstream: UpstreamTimeouts;
  /** Milliseconds since the epoch. Default Date.now. */
  readonly clock?: () => number;
  /** Uniform in [0, 1), for strategies and backoff jitter. Default Math.random. */
  readonly random?: () => number;
  /** Waits `ms`, rejecting once `signal` fires. Default: a timer. */
  readonly sleep?: (ms: number, signal: CancelSignal) => Promise<void>;
  /** Told of circuit transitions and cooldowns of configured deployments. Default: nothing. */
  readonly onEvent?: (deploymentId: string, event: DeploymentEvent) => void;
  /** The Entra ID credential behind managed_identity / default_credential. Default: @azure/identity's. */
  readonly credentialFor?: (choice: EntraCredentialChoice) => TokenCredential;
}

interface StreamOpening {
  readonly meta: UpstreamMeta;
  readonly rest: AsyncIterator<JsonObject>;
  readonly first: IteratorResult<JsonObject>;
}

const AZURE_PREFIX = "azure/";

/**
 * Most model names whose environment route is kept. Callers choose the names, so the cache is
 * bounded; past it the oldest is dropped, and a dropped name is just rebuilt when it comes back.
 */
const MAX_ENVIRONMENT_ROUTES = 256;

/**
 * Sends each chat request to a deployment that can serve it, failing over between deployments and
 * regions until one starts answering (see runWithFailover). The contract both doors rely on: errors
 * are thrown before anything is returned, so a caller has sent nothing to its client yet; a stream
 * is returned only once its first chunk has arrived.
 */
export class DeploymentPool {
  readonly #azure: AzureClient;
  readonly #resolver: RouteResolver;
  readonly #routes: PoolRoutes | undefined;
  readonly #environmentSettings: RouteSettings;
  /** The environment endpoint's routes by the model name callers sent, oldest first. */
  readonly #environmentRoutes = new Map<string, PoolRoute>();
  readonly #env: FailoverEnvironment;

  constructor(options: DeploymentPoolOptions) {
    this.#azure = options.azure;
    this.#resolver = options.resolver;
    const clock = options.clock ?? Date.now;
    this.#env = {
      clock,
      random: options.random ?? Math.random,
      sleep: options.sleep ?? ((ms, signal) => sleep(ms, undefined, { signal: toAbortSignal(signal) })),
    };
    const onEvent = options.onEvent ?? (() => {});
    this.#routes = options.config === undefined
      ? undefined
      : new PoolRoutes(options.config, { clock, onEvent, ...(options.credentialFor !== undefined && { credentialFor: options.credentialFor }) });
    // Environment-configured calls behave as before the pool: one attempt, the client's timeouts.
    this.#environmentSettings = {
      strategy: "priority",
      retry: { maxAttempts: 1, backoffBaseMs: 0, backoffMaxMs: 0 },
      timeouts: {
        requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
        firstByteTimeoutMs: options.upstream.firstByteTimeoutMs,
        streamIdleTimeoutMs: options.upstream.streamIdleTimeoutMs,
      },
    };
  }

  /** Model names to advertise: the config file's routes, else the deployments the environment lists. */
  modelNames(): string[] {
    return this.#routes?.routeNames() ?? this.#resolver.modelNames();
  }

  async complete(model: string, body: JsonObject, call: UpstreamCall): Promise<PooledReply<JsonObject>> {
    const route = this.#route(model, call);
    const deadline = this.#deadline(route, call);
    const observed = call.telemetry === undefined ? undefined : new ObservedAttempts(call.telemetry, route.name);
    try {
      const result = await runWithFailover(
        route,
        deadline,
        (deployment, signal) => {
          const send = (options: RequestOptions) => this.#azure.complete(deployment.identity.target, body, signal, options);
          return observed === undefined ? send(timeouts(route)) : observed.send(deployment, timeouts(route), send);
        },
        this.#env,
      );
      result.deployment.ended(result.attempt, "completed", this.#env.clock());
      observed?.ended("completed");
      return { value: result.value.body, meta: result.value.meta, servedBy: servedBy(route, result) };
    } finally {
      deadline.dispose();
    }
  }

  /** Resolves once a deployment's first chunk has arrived: until then, any failure fails over. */
  async openStream(model: string, body: JsonObject, call: UpstreamCall): Promise<PooledReply<AsyncIterable<JsonObject>>> {
    const route = this.#route(model, call);
    const deadline = this.#deadline(route, call);
    const observed = call.telemetry === undefined ? undefined : new ObservedAttempts(call.telemetry, route.name);
    let result: FailoverResult<StreamOpening>;
    try {
      result = await runWithFailover(
        route,
        deadline,
        (deployment, signal) => {
          const send = async (options: RequestOptions): Promise<StreamOpening> => {
            const reply = await this.#azure.openStream(deployment.identity.target, body, signal, options);
            const rest = reply.chunks[Symbol.asyncIterator]();
            return { meta: reply.meta, rest, first: await rest.next() };
          };
          return observed === undefined ? send(timeouts(route)) : observed.send(deployment, timeouts(route), send);
        },
        this.#env,
      );
    } catch (error) {
      deadline.dispose();
      throw error;
    }
    const chunks = pooledStream(result, deadline, observed, this.#env.clock);
    return { value: chunks, meta: result.value.meta, servedBy: servedBy(route, result) };
  }

  /** Every configured deployment, in the config file's order. */
  listDeployments(): DeploymentSnapshot[] {
    const nowMs = this.#env.clock();
    return (this.#routes?.deployments() ?? []).map((deployment) => deployment.snapshot(nowMs));
  }

  /** Closes a deployment's circuit and clears its cooldown. */
  resetCircuit(deploymentId: string): DeploymentSnapshot {
    const deployment = this.#deployment(deploymentId);
    deployment.reset(this.#env.clock());
    return deployment.snapshot(this.#env.clock());
  }

  /** Drains (false) or re-enables (true) a deployment. Requests already running finish. */
  setDeploymentEnabled(deploymentId: string, enabled: boolean): DeploymentSnapshot {
    const deployment = this.#deployment(deploymentId);
    deployment.setEnabled(enabled);
    return deployment.snapshot(this.#env.clock());
  }

  #route(model: string, call: UpstreamCall): PoolRoute {
    const routes = this.#routes;
    if (routes === undefined && call.override === undefined) return this.#environmentRoute(model);
    // A caller's endpoint or key: a one-off deployment, so nothing about it outlives the call.
    if (routes === undefined || call.override?.endpointUrl !== undefined) {
      return this.#singleAttemptRoute(this.#resolver.resolve(model, call.override));
    }
    if (call.override?.apiKey !== undefined) {
      // With several endpoints there is no telling which one the caller's key belongs to.
      throw new GatewayError("invalid_request", "X-Azure-API-Key needs X-Azure-Endpoint when the gateway routes to several endpoints.");
    }
    const name = model.startsWith(AZURE_PREFIX) ? model.slice(AZURE_PREFIX.length) : model;
    const route = routes.find(name);
    if (route === undefined) {
      throw new GatewayError("model_not_found", `The model '${model}' does not exist on this gateway.`, { param: "model" });
    }
    return route;
  }

  /**
   * The environment endpoint's route for a model name, built on first use. Its deployment's state
   * never holds a call back: once it is not available (cooling down after a 429, or its circuit
   * opened) it is replaced by a fresh one, so every call is sent, as when each call built its own.
   */
  #environmentRoute(model: string): PoolRoute {
    const cached = this.#environmentRoutes.get(model);
    if (cached !== undefined && cached.members[0]?.deployment.availability(this.#env.clock()).kind === "available") {
      return cached;
    }
    const route = this.#singleAttemptRoute(this.#resolver.resolve(model, undefined));
    if (cached === undefined && this.#environmentRoutes.size >= MAX_ENVIRONMENT_ROUTES) {
      const oldest = this.#environmentRoutes.keys().next();
      if (oldest.done !== true) this.#environmentRoutes.delete(oldest.value);
    }
    this.#environmentRoutes.set(model, route);
    return route;
  }

  /** A route of one new deployment: the environment's endpoint or the caller's. */
  #singleAttemptRoute(candidate: Candidate): PoolRoute {
    const deployment = new PooledDeployment(
      {
        endpoint: candidate.endpointName,
        region: candidate.region,
        deployment: candidate.target.deployment,
        // Without a configured model, the deployment name is the best statement of it.
        model: candidate.target.deployment,
        target: candidate.target,
      },
      DEFAULT_BREAKER_SETTINGS,
      this.#env.clock(),
    );
    return new PoolRoute(candidate.route, this.#environmentSettings, [{ deployment, order: 0, priority: 0, weight: 1 }]);
  }

  #deadline(route: PoolRoute, call: UpstreamCall): RequestDeadline {
    const routeMs = route.settings.timeouts.requestTimeoutMs;
    const timeoutMs = call.timeoutMs === undefined ? routeMs : Math.min(call.timeoutMs, routeMs);
    return new RequestDeadline(call.signal, timeoutMs, this.#env.clock());
  }

  #deployment(id: string): PooledDeployment {
    const deployment = this.#routes?.deployment(id);
    if (deployment === undefined) {
      throw new GatewayError("not_found", `No deployment has the id ${JSON.stringify(id)}; ListDeployments shows the ids.`);
    }
    return deployment;
  }
}

/**
 * The open stream, built outside openStream: a closure made there would share its scope, and so
 * keep the request body (the prompt) alive for as long as the stream is open.
 */
function pooledStream(
  result: FailoverResult<StreamOpening>,
  deadline: RequestDeadline,
  observed: ObservedAttempts | undefined,
  clock: () => number,
): PooledStream {
  const { deployment, attempt, value } = result;
  return new PooledStream({
    first: value.first,
    rest: value.rest,
    deadline,
    onEnd: (ending) => {
      deployment.ended(attempt, ending, clock());
      observed?.ended(ending);
    },
  });
}

function timeouts(route: PoolRoute): RequestTimeouts {
  const { firstByteTimeoutMs, streamIdleTimeoutMs } = route.settings.timeouts;
  return { firstByteTimeoutMs, streamIdleTimeoutMs };
}

function servedBy(route: PoolRoute, result: FailoverResult<unknown>): ServedBy {
  const { identity } = result.deployment;
  return {
    route: route.name,
    deployment: identity.deployment,
    endpoint: identity.endpoint,
    region: identity.region,
    model: identity.model,
    attempts: result.attempts,
  };
}
