import type { TokenCredential } from "@azure/identity";
import { entraCredential, EntraTokenSource, type AzureAuth, type EntraCredentialChoice } from "../azure/index.js";
import type { EndpointAuth, EndpointConfig, PoolConfig } from "../config/index.js";
import { PoolRoute, type RouteMember } from "./pool-route.js";
import { PooledDeployment, type DeploymentEvent } from "./pooled-deployment.js";

export interface PoolRoutesOptions {
  /** Milliseconds since the epoch, for breakers and token expiry. */
  readonly clock: () => number;
  /** Told of circuit transitions and cooldowns. */
  readonly onEvent: (deploymentId: string, event: DeploymentEvent) => void;
  /** The Entra ID credential behind managed_identity / default_credential. Default: @azure/identity's. */
  readonly credentialFor?: (choice: EntraCredentialChoice) => TokenCredential;
}

/**
 * The routes and deployments a config file declares. Each Azure deployment exists once, however
 * many routes list it, and so does each Entra ID credential, however many endpoints use it.
 */
export class PoolRoutes {
  readonly #routes = new Map<string, PoolRoute>();
  /** Routes for callers naming an Azure deployment (`azure/<deployment>`) rather than a route. */
  readonly #byDeploymentName = new Map<string, PoolRoute>();
  readonly #deployments = new Map<string, PooledDeployment>();

  constructor(config: PoolConfig, options: PoolRoutesOptions) {
    const endpoints = new Map(config.endpoints.map((endpoint) => [endpoint.name, endpoint]));
    const auth = authFactory(options);
    for (const route of config.routes) {
      const members = route.deployments.map((listed, order): RouteMember => {
        const id = `${listed.endpoint}/${listed.deployment}`;
        let deployment = this.#deployments.get(id);
        if (deployment === undefined) {
          // The config reader guarantees the endpoint exists.
          const endpoint = endpoints.get(listed.endpoint)!;
          deployment = new PooledDeployment(
            {
              endpoint: endpoint.name,
              region: endpoint.region,
              deployment: listed.deployment,
              model: listed.model,
              target: { endpointUrl: endpoint.url, deployment: listed.deployment, apiVersion: endpoint.apiVersion, auth: auth(endpoint) },
            },
            config.breaker,
            options.clock(),
            (event) => options.onEvent(id, event),
          );
          this.#deployments.set(id, deployment);
        }
        deployment.addRoute(route.name);
        return { deployment, order, priority: listed.priority, weight: listed.weight };
      });
      this.#routes.set(route.name, new PoolRoute(route.name, route, members));
    }
    const byName = new Map<string, PooledDeployment[]>();
    for (const deployment of this.#deployments.values()) {
      byName.set(deployment.identity.deployment, [...(byName.get(deployment.identity.deployment) ?? []), deployment]);
    }
    for (const [name, deployments] of byName) {
      const members = deployments.map((deployment, order): RouteMember => ({ deployment, order, priority: 0, weight: 1 }));
      this.#byDeploymentName.set(name, new PoolRoute(name, config.defaults, members));
    }
  }

  /** The route for a model name: a route of that name first, then Azure deployments of that name. */
  find(name: string): PoolRoute | undefined {
    return this.#routes.get(name) ?? this.#byDeploymentName.get(name);
  }

  routeNames(): string[] {
    return [...this.#routes.keys()];
  }

  deployments(): PooledDeployment[] {
    return [...this.#deployments.values()];
  }

  deployment(id: string): PooledDeployment | undefined {
    return this.#deployments.get(id);
  }
}

/** Auth for each endpoint, with one token source per distinct Entra ID credential. */
function authFactory(options: PoolRoutesOptions): (endpoint: EndpointConfig) => AzureAuth {
  const credentialFor = options.credentialFor ?? entraCredential;
  const sources = new Map<string, EntraTokenSource>();
  return (endpoint) => {
    const auth: EndpointAuth = endpoint.auth;
    if (auth.kind === "api_key") return { kind: "api_key", apiKey: auth.apiKey };
    const key = auth.kind === "managed_identity" ? `managed_identity:${auth.clientId ?? "system"}` : auth.kind;
    let source = sources.get(key);
    if (source === undefined) {
      source = new EntraTokenSource(credentialFor(auth), { clock: options.clock });
      sources.set(key, source);
    }
    const shared = source;
    return { kind: "bearer", getToken: (signal) => shared.getToken(signal) };
  };
}
