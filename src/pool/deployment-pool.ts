import type { JsonObject } from "@bufbuild/protobuf";
import type { AzureClient, UpstreamMeta } from "../azure/index.js";
import type { Candidate, RouteResolver } from "./route-resolver.js";
import type { ServedBy, UpstreamCall } from "./served-by.js";

export interface PooledReply<T> {
  readonly value: T;
  readonly servedBy: ServedBy;
  readonly meta: UpstreamMeta;
}

/**
 * Sends a chat request to the deployment that should serve it. The contract every later strategy
 * keeps: errors are thrown before anything is returned, so a caller has sent nothing to its client yet.
 */
export class DeploymentPool {
  readonly #azure: AzureClient;
  readonly #resolver: RouteResolver;

  constructor(azure: AzureClient, resolver: RouteResolver) {
    this.#azure = azure;
    this.#resolver = resolver;
  }

  modelNames(): string[] {
    return this.#resolver.modelNames();
  }

  async complete(model: string, body: JsonObject, call: UpstreamCall): Promise<PooledReply<JsonObject>> {
    const candidate = this.#resolver.resolve(model, call.override);
    const reply = await this.#azure.complete(candidate.target, body, call.signal);
    return { value: reply.body, meta: reply.meta, servedBy: servedBy(candidate, 1) };
  }

  async openStream(model: string, body: JsonObject, call: UpstreamCall): Promise<PooledReply<AsyncIterable<JsonObject>>> {
    const candidate = this.#resolver.resolve(model, call.override);
    const reply = await this.#azure.openStream(candidate.target, body, call.signal);
    return { value: reply.chunks, meta: reply.meta, servedBy: servedBy(candidate, 1) };
  }
}

function servedBy(candidate: Candidate, attempts: number): ServedBy {
  return {
    route: candidate.route,
    deployment: candidate.target.deployment,
    endpoint: candidate.endpointName,
    region: candidate.region,
    // Without a configured model, the deployment name is the best statement of it.
    model: candidate.target.deployment,
    attempts,
  };
}
