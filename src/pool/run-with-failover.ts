import type { CancelSignal } from "../cancel/index.js";
import type { RetryPolicy } from "../config/index.js";
import { GatewayError, toGatewayError } from "../errors/index.js";
import { attemptFailure } from "./attempt-failure.js";
import { chooseDeployment } from "./choose-deployment.js";
import type { DeploymentAttempt } from "./deployment-attempt.js";
import type { PoolRoute, RouteMember } from "./pool-route.js";
import type { PooledDeployment } from "./pooled-deployment.js";
import type { RequestDeadline } from "./request-deadline.js";

/** The latest failed attempt: its error is what the caller hears if nothing else works. */
interface LastFailure {
  readonly error: GatewayError;
  readonly deployment: PooledDeployment;
}

/** Time and chance, injected so tests control them. */
export interface FailoverEnvironment {
  /** Milliseconds since the epoch. */
  readonly clock: () => number;
  /** Uniform in [0, 1). */
  readonly random: () => number;
  /** Resolves after `ms`, or rejects once `signal` fires. */
  readonly sleep: (ms: number, signal: CancelSignal) => Promise<void>;
}

export interface FailoverResult<T> {
  readonly value: T;
  readonly deployment: PooledDeployment;
  /** Still open: the caller ends it once the answer is delivered (PooledDeployment.ended). */
  readonly attempt: DeploymentAttempt;
  /** Upstream attempts made, this one included. */
  readonly attempts: number;
}

/**
 * Sends a request to the route's deployments until one answers. `send` resolves once Azure has
 * started answering (for a stream: its first chunk), so nothing has reached the caller while
 * failing over is still possible.
 *
 * - The strategy picks among deployments that are available now and have not failed this request.
 *   Switching to another deployment never waits.
 * - Once every available deployment has failed, the same one is tried again after a jittered,
 *   growing backoff.
 * - 429 cools a deployment down for as long as Azure asked; 401/403/404 take it out of this request.
 * - When nothing is available because everything is cooling down, the request waits for the first
 *   to recover if that happens before the deadline, and otherwise answers upstream_rate_limited
 *   with the time until then.
 * - Attempts are bounded by the route's max_attempts, all of it by one deadline.
 */
export async function runWithFailover<T>(
  route: PoolRoute,
  deadline: RequestDeadline,
  send: (deployment: PooledDeployment, signal: CancelSignal) => Promise<T>,
  env: FailoverEnvironment,
): Promise<FailoverResult<T>> {
  const { retry } = route.settings;
  // Deployments that failed this request and may be tried again, with how often they failed.
  const retryable = new Map<PooledDeployment, number>();
  // Deployments that cannot serve (misconfigured): never again for this request.
  const excluded = new Set<PooledDeployment>();
  let attempts = 0;
  let last: LastFailure | undefined;

  for (;;) {
    if (deadline.stopped(env.clock())) throw deadline.stopError(last?.error);
    const members = route.members.filter((member) => !excluded.has(member.deployment));
    if (attempts >= retry.maxAttempts) throw exhausted(route, members, last, env.clock());

    const nowMs = env.clock();
    const available = members.filter((member) => member.deployment.availability(nowMs).kind === "available");
    if (available.length === 0) {
      const recoveryMs = earliestCooldownEnd(members, nowMs);
      if (recoveryMs === undefined || recoveryMs > deadline.atMs) throw unavailable(route, members, last, nowMs);
      await pause(recoveryMs - nowMs, deadline, last, env);
      continue;
    }

    const fresh = available.filter((member) => !retryable.has(member.deployment));
    const member = choose(route, fresh.length > 0 ? fresh : available, env);
    if (fresh.length === 0) {
      const delayMs = backoffMs(retry, retryable.get(member.deployment) ?? 1, env.random);
      if (nowMs + delayMs >= deadline.atMs) throw last?.error ?? deadline.timeoutError();
      await pause(delayMs, deadline, last, env);
    }

    const { deployment } = member;
    const attempt = deployment.begin(env.clock());
    // The deployment changed while we backed off (its circuit opened, it was drained): choose again.
    if (attempt === undefined) continue;
    attempts += 1;
    try {
      const value = await send(deployment, deadline.signal);
      deployment.answered(attempt, env.clock());
      return { value, deployment, attempt, attempts };
    } catch (thrown) {
      if (deadline.signal.aborted) {
        // The caller left or time ran out: that says nothing about the deployment.
        deployment.failed(attempt, { kind: "canceled" }, env.clock());
        throw deadline.stopError(undefined);
      }
      const error = toGatewayError(thrown);
      const failure = attemptFailure(error);
      deployment.failed(attempt, failure, env.clock());
      switch (failure.kind) {
        case "canceled":
        case "caller":
          throw error;
        case "misconfigured":
          excluded.add(deployment);
          break;
        case "rate_limited":
          // Its cooldown decides when it is tried again.
          break;
        case "failed":
          retryable.set(deployment, (retryable.get(deployment) ?? 0) + 1);
          break;
      }
      last = { error, deployment };
    }
  }
}

function choose(route: PoolRoute, members: readonly RouteMember[], env: FailoverEnvironment): RouteMember {
  const candidates = members.map((member) => ({
    member,
    order: member.order,
    priority: member.priority,
    weight: member.weight,
    inFlight: member.deployment.inFlight,
    latencyMs: member.deployment.latencyEstimateMs,
  }));
  const chosen = chooseDeployment(route.settings.strategy, candidates, { random: env.random, turn: route.nextTurn() });
  // chooseDeployment only returns undefined for an empty list, which callers never pass.
  return (chosen ?? candidates[0]!).member;
}

/** Full jitter: uniform in [0, min(max, base * 2^(failures - 1))]. */
function backoffMs(retry: RetryPolicy, failures: number, random: () => number): number {
  const ceiling = Math.min(retry.backoffMaxMs, retry.backoffBaseMs * 2 ** Math.max(0, failures - 1));
  return Math.floor(random() * ceiling);
}

async function pause(ms: number, deadline: RequestDeadline, last: LastFailure | undefined, env: FailoverEnvironment): Promise<void> {
  try {
    await env.sleep(ms, deadline.signal);
  } catch {
    throw deadline.stopError(last?.error);
  }
}

function earliestCooldownEnd(members: readonly RouteMember[], nowMs: number): number | undefined {
  let earliest: number | undefined;
  for (const { deployment } of members) {
    const availability = deployment.availability(nowMs);
    if (availability.kind === "cooling_down" && (earliest === undefined || availability.untilMs < earliest)) {
      earliest = availability.untilMs;
    }
  }
  return earliest;
}

/** Out of attempts: Azure's last word, unless everything is cooling down and another recovers sooner. */
function exhausted(route: PoolRoute, members: readonly RouteMember[], last: LastFailure | undefined, nowMs: number): GatewayError {
  const recoveryMs = earliestCooldownEnd(members, nowMs);
  const allCooling = members.length > 0 &&
    members.every(({ deployment }) => deployment.availability(nowMs).kind === "cooling_down");
  if (!allCooling || recoveryMs === undefined) return last?.error ?? unavailable(route, members, undefined, nowMs);
  return rateLimited(route, recoveryMs, last, nowMs);
}

/** Nothing can take the request before the deadline. */
function unavailable(route: PoolRoute, members: readonly RouteMember[], last: LastFailure | undefined, nowMs: number): GatewayError {
  const recoveryMs = earliestCooldownEnd(members, nowMs);
  if (recoveryMs !== undefined) return rateLimited(route, recoveryMs, last, nowMs);
  if (last !== undefined) return last.error;
  const reopenMs = members
    .map(({ deployment }) => deployment.availability(nowMs))
    .flatMap((availability) => (availability.kind === "circuit_open" && availability.untilMs !== undefined ? [availability.untilMs] : []));
  const retryAfterMs = reopenMs.length > 0 ? Math.max(0, Math.min(...reopenMs) - nowMs) : undefined;
  return new GatewayError(
    "upstream_unavailable",
    `No deployment of ${JSON.stringify(route.name)} can take requests right now: their circuits are open or they are drained.`,
    retryAfterMs === undefined ? {} : { retryAfterMs },
  );
}

/**
 * Everything is cooling down. When the last 429 came from the deployment that recovers first, it
 * already says when (as Azure put it); otherwise a new error names the earliest recovery.
 */
function rateLimited(route: PoolRoute, recoveryMs: number, last: LastFailure | undefined, nowMs: number): GatewayError {
  const lastAvailability = last?.deployment.availability(nowMs);
  if (last?.error.code === "upstream_rate_limited" && lastAvailability?.kind === "cooling_down" && lastAvailability.untilMs === recoveryMs) {
    return last.error;
  }
  return new GatewayError(
    "upstream_rate_limited",
    `Azure OpenAI is rate limiting every deployment of ${JSON.stringify(route.name)}.`,
    { retryAfterMs: Math.max(0, Math.ceil(recoveryMs - nowMs)) },
  );
}
