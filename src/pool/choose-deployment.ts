import type { RoutingStrategy } from "../config/index.js";

/** What a strategy knows about one deployment that can take the request now. */
export interface RoutingCandidate {
  /** Its position in the route's list. */
  readonly order: number;
  /** Lower is preferred (strategy priority). */
  readonly priority: number;
  /** Its share of traffic among its peers; positive. */
  readonly weight: number;
  readonly inFlight: number;
  /** Exponentially weighted time to first byte; undefined before the first sample. */
  readonly latencyMs: number | undefined;
}

export interface ChoiceContext {
  /** Uniform in [0, 1). */
  readonly random: () => number;
  /** How many choices the route made before this one (round robin). */
  readonly turn: number;
}

/**
 * How often least_latency tries a deployment other than the fastest, so an estimate that went stale
 * (a region that recovered) gets new samples.
 */
export const LEAST_LATENCY_EXPLORATION = 0.1;

/**
 * Picks the deployment for the next attempt among those available. Pure: everything it needs is
 * in its arguments, so each strategy's distribution is testable with a scripted random source.
 * - priority: the lowest priority number present wins; among equals, by weight. A lower tier is
 *   chosen only while every deployment above it is unavailable (it is then absent from `candidates`).
 * - round_robin: in the route's order, one after the other.
 * - weighted: by weight, regardless of priority.
 * - least_busy: fewest requests in flight; ties by weight.
 * - least_latency: deployments without a latency sample first; otherwise the fastest, except for a
 *   LEAST_LATENCY_EXPLORATION share of requests spread by weight.
 */
export function chooseDeployment<T extends RoutingCandidate>(
  strategy: RoutingStrategy,
  candidates: readonly T[],
  context: ChoiceContext,
): T | undefined {
  if (candidates.length === 0) return undefined;
  switch (strategy) {
    case "priority": {
      const top = Math.min(...candidates.map((candidate) => candidate.priority));
      return byWeight(candidates.filter((candidate) => candidate.priority === top), context.random);
    }
    case "round_robin": {
      const ordered = [...candidates].sort((a, b) => a.order - b.order);
      return ordered[context.turn % ordered.length];
    }
    case "weighted":
      return byWeight(candidates, context.random);
    case "least_busy": {
      const fewest = Math.min(...candidates.map((candidate) => candidate.inFlight));
      return byWeight(candidates.filter((candidate) => candidate.inFlight === fewest), context.random);
    }
    case "least_latency": {
      const unsampled = candidates.filter((candidate) => candidate.latencyMs === undefined);
      if (unsampled.length > 0) return byWeight(unsampled, context.random);
      if (context.random() < LEAST_LATENCY_EXPLORATION) return byWeight(candidates, context.random);
      return candidates.reduce((best, candidate) => ((candidate.latencyMs ?? 0) < (best.latencyMs ?? 0) ? candidate : best));
    }
  }
}

function byWeight<T extends RoutingCandidate>(candidates: readonly T[], random: () => number): T | undefined {
  const total = candidates.reduce((sum, candidate) => sum + candidate.weight, 0);
  let remaining = random() * total;
  for (const candidate of candidates) {
    remaining -= candidate.weight;
    if (remaining < 0) return candidate;
  }
  // Floating-point rounding can leave a sliver past the last weight.
  return candidates.at(-1);
}
