import type { CancelSignal } from "../../src/cancel/index.js";
import { DEFAULT_BREAKER_SETTINGS, type BreakerSettings, type RouteSettings } from "../../src/config/index.js";
import { GatewayError } from "../../src/errors/index.js";
import { PoolRoute } from "../../src/pool/pool-route.js";
import { PooledDeployment } from "../../src/pool/pooled-deployment.js";
import { RequestDeadline } from "../../src/pool/request-deadline.js";
import { runWithFailover, type FailoverEnvironment, type FailoverResult } from "../../src/pool/run-with-failover.js";
import { ManualClock, seededRandom } from "./seeded-random.js";

/** What a scripted deployment does with its next request. */
export type Step = "ok" | GatewayError | ((signal: CancelSignal) => Promise<string>);

export interface FixtureOptions {
  readonly deployments: readonly { readonly name: string; readonly priority?: number; readonly weight?: number }[];
  readonly settings?: Partial<RouteSettings>;
  readonly breaker?: Partial<BreakerSettings>;
}

export const errors = {
  serverError: () => new GatewayError("upstream_error", "Azure OpenAI failed to answer (HTTP 503)."),
  rateLimited: (retryAfterMs: number) => new GatewayError("upstream_rate_limited", "rate limited", { retryAfterMs }),
  unauthorized: () => new GatewayError("upstream_auth_failed"),
  contentFilter: () => new GatewayError("content_filter"),
};

/**
 * A route over scripted deployments, with a clock that only moves when told to (or when the
 * failover sleeps, which it records instead of waiting).
 */
export function failoverFixture(options: FixtureOptions) {
  const clock = new ManualClock();
  const sleeps: number[] = [];
  const env: FailoverEnvironment = {
    clock: clock.now,
    random: seededRandom(3),
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
  };
  const breaker = { ...DEFAULT_BREAKER_SETTINGS, ...options.breaker };
  const deployments = new Map(
    options.deployments.map(({ name }) => [
      name,
      new PooledDeployment(
        {
          endpoint: name,
          region: name,
          deployment: "gpt-4o",
          model: "gpt-4o",
          target: { endpointUrl: `https://${name}.openai.azure.com`, deployment: "gpt-4o", apiVersion: "2024-10-21", auth: { kind: "api_key", apiKey: "k" } },
        },
        breaker,
        clock.now(),
      ),
    ]),
  );
  const settings: RouteSettings = {
    strategy: "priority",
    retry: { maxAttempts: 3, backoffBaseMs: 100, backoffMaxMs: 1000 },
    timeouts: { requestTimeoutMs: 60_000, firstByteTimeoutMs: 1000, streamIdleTimeoutMs: 1000 },
    ...options.settings,
  };
  const route = new PoolRoute(
    "gpt-4o",
    settings,
    options.deployments.map((listed, order) => ({
      deployment: deployments.get(listed.name)!,
      order,
      priority: listed.priority ?? 0,
      weight: listed.weight ?? 1,
    })),
  );
  const scripts = new Map<string, Step[]>();
  const calls: string[] = [];

  return {
    clock,
    sleeps,
    calls,
    route,
    deployment: (name: string) => deployments.get(name)!,
    /** Queues what each deployment does with its next requests; an unscripted request succeeds. */
    script(name: string, ...steps: Step[]): void {
      scripts.set(name, [...(scripts.get(name) ?? []), ...steps]);
    },
    /** One request through the failover, completed at once (as a unary call is). */
    async request(requestOptions: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<FailoverResult<string>> {
      const deadline = new RequestDeadline(requestOptions.signal ?? new AbortController().signal, requestOptions.timeoutMs ?? settings.timeouts.requestTimeoutMs, clock.now());
      try {
        const result = await runWithFailover(route, deadline, (deployment, signal) => {
          const name = deployment.identity.endpoint;
          calls.push(name);
          const step = scripts.get(name)?.shift() ?? "ok";
          if (step === "ok") return Promise.resolve(`answer from ${name}`);
          if (step instanceof GatewayError) return Promise.reject(step);
          return step(signal);
        }, env);
        result.deployment.ended(result.attempt, "completed", clock.now());
        return result;
      } finally {
        deadline.dispose();
      }
    },
  };
}
