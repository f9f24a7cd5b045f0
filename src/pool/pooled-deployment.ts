import type { AzureTarget } from "../azure/index.js";
import type { BreakerSettings } from "../config/index.js";
import type { AttemptFailure } from "./attempt-failure.js";
import { CircuitBreaker, type CircuitTransition, type CircuitView } from "./circuit-breaker.js";
import { DeploymentAttempt } from "./deployment-attempt.js";

/** Where a deployment lives and how to call it. */
export interface DeploymentIdentity {
  /** The configured endpoint's name. */
  readonly endpoint: string;
  readonly region: string;
  /** The Azure deployment name. */
  readonly deployment: string;
  /** The underlying model, which prices requests. */
  readonly model: string;
  readonly target: AzureTarget;
}

/** Whether a deployment can take a request now, and if not, why and until when. */
export type Availability =
  | { readonly kind: "available" }
  | { readonly kind: "drained" }
  /** `untilMs` undefined: half-open, with every probe taken. */
  | { readonly kind: "circuit_open"; readonly untilMs: number | undefined }
  | { readonly kind: "cooling_down"; readonly untilMs: number };

/** A deployment as ListDeployments shows it. */
export interface DeploymentSnapshot {
  /** "<endpoint>/<deployment>". */
  readonly id: string;
  readonly routes: readonly string[];
  readonly endpoint: string;
  readonly region: string;
  readonly deployment: string;
  readonly model: string;
  readonly circuit: CircuitView["kind"];
  /** Set while a 429 (or a 5xx with Retry-After) asked not to be called before then. */
  readonly cooldownUntilMs: number | undefined;
  readonly enabled: boolean;
  readonly inFlight: number;
  /** Exponentially weighted time to first byte; undefined before the first sample. */
  readonly latencyEstimateMs: number | undefined;
  readonly successCount: number;
  readonly failureCount: number;
}

/** Something that happened to a deployment, for logs. */
export type DeploymentEvent =
  | ({ readonly type: "circuit" } & CircuitTransition)
  | { readonly type: "cooldown"; readonly untilMs: number; readonly atMs: number };

/** How an attempt that got its first byte ended. */
export type AnsweredEnding = "completed" | "broken" | "abandoned";

// The weight of the newest latency sample: high enough to follow a region that slows down within a
// handful of requests, low enough that one slow answer does not swing routing.
const LATENCY_SMOOTHING = 0.3;

/**
 * One Azure deployment on one endpoint: its circuit breaker, its cooldown, whether it is drained,
 * and what it is doing. Several routes may share it; they share all of this.
 */
export class PooledDeployment {
  readonly id: string;
  readonly identity: DeploymentIdentity;
  readonly #routes: string[] = [];
  readonly #breaker: CircuitBreaker;
  readonly #onEvent: (event: DeploymentEvent) => void;
  #cooldownUntilMs: number | undefined;
  #enabled = true;
  #inFlight = 0;
  #latencyEstimateMs: number | undefined;
  #successCount = 0;
  #failureCount = 0;

  constructor(
    identity: DeploymentIdentity,
    breaker: BreakerSettings,
    nowMs: number,
    onEvent: (event: DeploymentEvent) => void = () => {},
  ) {
    this.id = `${identity.endpoint}/${identity.deployment}`;
    this.identity = identity;
    this.#onEvent = onEvent;
    this.#breaker = new CircuitBreaker(breaker, nowMs, (transition) => onEvent({ type: "circuit", ...transition }));
  }

  get routes(): readonly string[] {
    return this.#routes;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get latencyEstimateMs(): number | undefined {
    return this.#latencyEstimateMs;
  }

  addRoute(route: string): void {
    if (!this.#routes.includes(route)) this.#routes.push(route);
  }

  availability(nowMs: number): Availability {
    if (!this.#enabled) return { kind: "drained" };
    if (!this.#breaker.admits(nowMs)) {
      const view = this.#breaker.view(nowMs);
      return { kind: "circuit_open", untilMs: view.kind === "open" ? view.halfOpenAtMs : undefined };
    }
    if (this.#cooldownUntilMs !== undefined && nowMs < this.#cooldownUntilMs) {
      return { kind: "cooling_down", untilMs: this.#cooldownUntilMs };
    }
    return { kind: "available" };
  }

  /** Takes the deployment for one attempt, or undefined when it is not available. */
  begin(nowMs: number): DeploymentAttempt | undefined {
    if (this.availability(nowMs).kind !== "available") return undefined;
    const permit = this.#breaker.acquire(nowMs);
    if (permit === undefined) return undefined;
    this.#inFlight += 1;
    return new DeploymentAttempt(permit, nowMs);
  }

  /** Azure started answering: the breaker hears of a success and latency gets a sample. */
  answered(attempt: DeploymentAttempt, nowMs: number): void {
    if (attempt.phase !== "sent") return;
    attempt.phase = "answered";
    this.#breaker.settle(attempt.permit, "success", nowMs);
    const sample = Math.max(0, nowMs - attempt.startedAtMs);
    this.#latencyEstimateMs = this.#latencyEstimateMs === undefined
      ? sample
      : this.#latencyEstimateMs + LATENCY_SMOOTHING * (sample - this.#latencyEstimateMs);
  }

  /** The attempt failed before Azure started answering. */
  failed(attempt: DeploymentAttempt, failure: AttemptFailure, nowMs: number): void {
    if (attempt.phase !== "sent") return;
    attempt.phase = "ended";
    this.#inFlight -= 1;
    const blamed = failure.kind === "failed" || failure.kind === "misconfigured";
    this.#breaker.settle(attempt.permit, blamed ? "failure" : "neutral", nowMs);
    if (blamed || failure.kind === "rate_limited") this.#failureCount += 1;
    const retryAfterMs = failure.kind === "rate_limited" || failure.kind === "failed" ? failure.retryAfterMs : undefined;
    if (retryAfterMs !== undefined && retryAfterMs > 0) this.#coolDown(nowMs + retryAfterMs, nowMs);
  }

  /** An answered attempt ended: completely, broken part-way (blamed), or dropped by the caller. */
  ended(attempt: DeploymentAttempt, ending: AnsweredEnding, nowMs: number): void {
    if (attempt.phase !== "answered") return;
    attempt.phase = "ended";
    this.#inFlight -= 1;
    if (ending === "completed") this.#successCount += 1;
    if (ending === "broken") {
      this.#failureCount += 1;
      this.#breaker.noteLateFailure(nowMs);
    }
  }

  setEnabled(enabled: boolean): void {
    this.#enabled = enabled;
  }

  /** Closes the circuit and forgets the cooldown. */
  reset(nowMs: number): void {
    this.#breaker.reset(nowMs);
    this.#cooldownUntilMs = undefined;
  }

  snapshot(nowMs: number): DeploymentSnapshot {
    const cooling = this.#cooldownUntilMs !== undefined && nowMs < this.#cooldownUntilMs;
    return {
      id: this.id,
      routes: [...this.#routes],
      endpoint: this.identity.endpoint,
      region: this.identity.region,
      deployment: this.identity.deployment,
      model: this.identity.model,
      circuit: this.#breaker.view(nowMs).kind,
      cooldownUntilMs: cooling ? this.#cooldownUntilMs : undefined,
      enabled: this.#enabled,
      inFlight: this.#inFlight,
      latencyEstimateMs: this.#latencyEstimateMs,
      successCount: this.#successCount,
      failureCount: this.#failureCount,
    };
  }

  // Azure's latest word wins, even when it is shorter than an earlier one.
  #coolDown(untilMs: number, nowMs: number): void {
    this.#cooldownUntilMs = untilMs;
    this.#onEvent({ type: "cooldown", untilMs, atMs: nowMs });
  }
}
