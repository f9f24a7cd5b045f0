import { modelPrice, type ModelPrice, type PricePerMillionTokens } from "./model-price.js";

/** The shape of the pool config's routes this needs: deployments that may state their own price. */
export interface RoutesWithPricing {
  readonly deployments: readonly {
    readonly endpoint: string;
    readonly deployment: string;
    /** Dollars per million tokens for this deployment, e.g. 0 for provisioned (PTU) capacity. */
    readonly pricing?: PricePerMillionTokens | undefined;
  }[];
}

/**
 * The price overrides the config file gives deployments, keyed "<endpoint>/<deployment>" as
 * Pricing expects. A deployment listed by several routes has one price (the config reader checks
 * they agree, as it does for its model).
 */
export function deploymentPriceOverrides(routes: readonly RoutesWithPricing[]): Map<string, ModelPrice> {
  const overrides = new Map<string, ModelPrice>();
  for (const route of routes) {
    for (const { endpoint, deployment, pricing } of route.deployments) {
      if (pricing !== undefined) overrides.set(`${endpoint}/${deployment}`, modelPrice(pricing));
    }
  }
  return overrides;
}
