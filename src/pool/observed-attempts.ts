import type { RequestOptions, RequestTimeouts } from "../azure/index.js";
import { toGatewayError } from "../errors/index.js";
import type { AttemptObserver, ObservedAttempt } from "./attempt-observer.js";
import type { AnsweredEnding, PooledDeployment } from "./pooled-deployment.js";

/**
 * One request's attempts as its observer sees them. Each attempt is announced before it is sent,
 * carries the observer's headers to Azure and reports how it failed; the one that answers is the
 * latest, and `ended` tells it how its answer ended.
 */
export class ObservedAttempts {
  readonly #observer: AttemptObserver;
  readonly #route: string;
  #latest: ObservedAttempt | undefined;

  constructor(observer: AttemptObserver, route: string) {
    this.#observer = observer;
    this.#route = route;
  }

  async send<T>(deployment: PooledDeployment, timeouts: RequestTimeouts, send: (options: RequestOptions) => Promise<T>): Promise<T> {
    const { identity } = deployment;
    const attempt = this.#observer.attemptStarted({
      route: this.#route,
      deploymentId: deployment.id,
      deployment: identity.deployment,
      region: identity.region,
      model: identity.model,
      endpointUrl: identity.target.endpointUrl,
    });
    this.#latest = attempt;
    try {
      // The spread last: on Node 20 a property written after a spread takes a slow path (µs, not ns).
      return await send({ headers: attempt.headers, onResponse: (meta) => attempt.responded(meta), ...timeouts });
    } catch (error) {
      attempt.failed(toGatewayError(error));
      throw error;
    }
  }

  ended(ending: AnsweredEnding): void {
    this.#latest?.ended(ending);
  }
}
