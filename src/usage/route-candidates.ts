import type { PoolConfig } from "../config/index.js";
import type { PricedDeployment } from "./pricing.js";
import type { CandidateDeployments } from "./request-account.js";

const AZURE_PREFIX = "azure/";

/**
 * Which deployments could serve a model name, resolved the way the deployment pool resolves it:
 * with a config file, a route of that name, else the Azure deployments of that name; without one
 * (or for a caller's own X-Azure-Endpoint), the deployment the name states, whose model is its name.
 */
export function routeCandidates(pool: PoolConfig | undefined): CandidateDeployments {
  const byRoute = new Map<string, PricedDeployment[]>();
  const byDeploymentName = new Map<string, PricedDeployment[]>();
  for (const route of pool?.routes ?? []) {
    const members = route.deployments.map(({ endpoint, deployment, model }) => ({ endpoint, deployment, model }));
    byRoute.set(route.name, members);
    for (const member of members) {
      const named = byDeploymentName.get(member.deployment) ?? [];
      if (!named.some((known) => known.endpoint === member.endpoint)) named.push(member);
      byDeploymentName.set(member.deployment, named);
    }
  }
  return (requestedModel, callerEndpoint) => {
    const name = requestedModel.startsWith(AZURE_PREFIX) ? requestedModel.slice(AZURE_PREFIX.length) : requestedModel;
    if (name === "") return [];
    if (pool === undefined || callerEndpoint) {
      return [{ endpoint: callerEndpoint ? "request" : "default", deployment: name, model: name }];
    }
    return byRoute.get(name) ?? byDeploymentName.get(name) ?? [];
  };
}
