import { BUILT_IN_PRICES } from "./built-in-prices.js";
import type { ModelPrice } from "./model-price.js";

/** A deployment as pricing sees it: where it is and which model it runs. */
export interface PricedDeployment {
  readonly endpoint: string;
  readonly deployment: string;
  /** The underlying model the deployment declares, e.g. "gpt-4o". */
  readonly model: string;
}

export interface PricingOptions {
  /**
   * Prices for particular deployments, keyed "<endpoint>/<deployment>" (AdminService's deployment
   * id), e.g. a provisioned deployment at zero marginal cost. They win over the model's price.
   */
  readonly deploymentOverrides?: ReadonlyMap<string, ModelPrice>;
  /** Prices by exact model name. Default BUILT_IN_PRICES. */
  readonly models?: ReadonlyMap<string, ModelPrice>;
}

/** What a deployment charges per token. */
export class Pricing {
  readonly #overrides: ReadonlyMap<string, ModelPrice>;
  readonly #models: ReadonlyMap<string, ModelPrice>;

  constructor(options: PricingOptions = {}) {
    this.#overrides = options.deploymentOverrides ?? new Map();
    this.#models = options.models ?? BUILT_IN_PRICES;
  }

  /** The deployment's override, else its model's price by exact name; undefined when neither is known. */
  priceOf(deployment: PricedDeployment): ModelPrice | undefined {
    return this.#overrides.get(`${deployment.endpoint}/${deployment.deployment}`) ?? this.#models.get(deployment.model);
  }
}
