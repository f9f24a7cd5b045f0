import type { AzureTarget, EndpointAllowlist } from "../azure/index.js";
import type { AzureDefaults } from "../config/index.js";
import { GatewayError } from "../errors/index.js";
import type { AzureOverride } from "./served-by.js";

/** One place a request can be sent. */
export interface Candidate {
  readonly route: string;
  readonly endpointName: string;
  readonly region: string;
  readonly target: AzureTarget;
}

const AZURE_PREFIX = "azure/";

/**
 * Turns the model name a caller sent into the deployment to call. Names are `azure/<deployment>` or
 * a bare deployment name, served by the configured endpoint or by the caller's X-Azure-Endpoint.
 */
export class RouteResolver {
  readonly #defaults: AzureDefaults;
  readonly #allowlist: EndpointAllowlist;
  readonly #knownDeployments: ReadonlySet<string> | undefined;

  constructor(defaults: AzureDefaults, allowlist: EndpointAllowlist) {
    this.#defaults = defaults;
    this.#allowlist = allowlist;
    this.#knownDeployments = defaults.deployments ? new Set(defaults.deployments) : undefined;
  }

  /** Model names to advertise: the configured deployments, if the operator listed them. */
  modelNames(): string[] {
    return [...(this.#knownDeployments ?? [])];
  }

  resolve(model: string, override: AzureOverride | undefined): Candidate {
    const deployment = model.startsWith(AZURE_PREFIX) ? model.slice(AZURE_PREFIX.length) : model;
    if (deployment === "") {
      throw new GatewayError("model_not_found", `The model '${model}' names no deployment.`, { param: "model" });
    }
    if (override?.endpointUrl !== undefined) {
      if (override.apiKey === undefined) {
        // The configured key must never travel to an endpoint the caller chose.
        throw new GatewayError("invalid_request", "X-Azure-Endpoint needs X-Azure-API-Key as well.");
      }
      const endpointUrl = this.#allowlist.check(override.endpointUrl);
      return {
        route: deployment,
        endpointName: "request",
        region: "",
        target: { endpointUrl, deployment, apiVersion: this.#defaults.apiVersion, auth: { kind: "api_key", apiKey: override.apiKey } },
      };
    }
    const { endpointUrl, apiKey } = this.#defaults;
    const key = override?.apiKey ?? apiKey;
    if (endpointUrl === undefined || key === undefined) {
      throw new GatewayError(
        "model_not_found",
        `The model '${model}' cannot be served: no Azure endpoint is configured and the request named none (X-Azure-Endpoint).`,
        { param: "model" },
      );
    }
    if (this.#knownDeployments !== undefined && !this.#knownDeployments.has(deployment)) {
      throw new GatewayError("model_not_found", `The model '${model}' does not exist on this gateway.`, { param: "model" });
    }
    return {
      route: deployment,
      endpointName: "default",
      region: this.#defaults.region,
      target: { endpointUrl, deployment, apiVersion: this.#defaults.apiVersion, auth: { kind: "api_key", apiKey: key } },
    };
  }
}
