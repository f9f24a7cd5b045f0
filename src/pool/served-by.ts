import type { CancelSignal } from "../cancel/index.js";
import type { AttemptObserver } from "./attempt-observer.js";

/** Which deployment answered a request, and after how many upstream attempts. */
export interface ServedBy {
  readonly route: string;
  readonly deployment: string;
  /** The configured endpoint's name ("default" for AZURE_OPENAI_ENDPOINT, "request" for X-Azure-Endpoint). */
  readonly endpoint: string;
  readonly region: string;
  /** The deployment's underlying model, which prices the request. */
  readonly model: string;
  readonly attempts: number;
}

/** Per-request Azure credentials sent by the caller (X-Azure-Endpoint, X-Azure-API-Key). */
export interface AzureOverride {
  readonly endpointUrl: string | undefined;
  readonly apiKey: string | undefined;
}

export interface UpstreamCall {
  /** Told of each upstream attempt, for traces and metrics. */
  readonly telemetry?: AttemptObserver | undefined;
  /** Fires when the caller goes away. */
  readonly signal: CancelSignal;
  readonly override: AzureOverride | undefined;
  /**
   * The caller's own deadline, in ms from now (gRPC `grpc-timeout`, `Connect-Timeout-Ms`, REST
   * `x-tensorwall-timeout-ms`); the route's request timeout applies when it is sooner or unset.
   */
  readonly timeoutMs?: number | undefined;
}
