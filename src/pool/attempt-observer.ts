import type { UpstreamMeta } from "../azure/index.js";
import type { GatewayError } from "../errors/index.js";
import type { AnsweredEnding } from "./pooled-deployment.js";

/** Where one upstream attempt goes. */
export interface AttemptTarget {
  /** The route the request resolved to. */
  readonly route: string;
  /** "<endpoint>/<deployment>", as ListDeployments names it. */
  readonly deploymentId: string;
  /** The Azure deployment name. */
  readonly deployment: string;
  readonly region: string;
  /** The deployment's underlying model. */
  readonly model: string;
  readonly endpointUrl: string;
}

/**
 * Follows the upstream attempts of one request, for traces and metrics. The pool tells it of each
 * attempt as it starts; attempts of one request run one after another.
 */
export interface AttemptObserver {
  attemptStarted(target: AttemptTarget): ObservedAttempt;
}

/** One attempt as its observer follows it: `failed`, or `ended` once its answer is over. */
export interface ObservedAttempt {
  /** Extra headers for the Azure request (W3C trace context); undefined for none. */
  readonly headers: Readonly<Record<string, string>> | undefined;
  /** Azure answered with this status (an error status too) and request id. */
  responded(meta: UpstreamMeta): void;
  /** The attempt failed before Azure's answer began. */
  failed(error: GatewayError): void;
  /** Azure's answer began and has now ended: completely, broken by Azure, or abandoned. */
  ended(ending: AnsweredEnding): void;
}
