import { READY, type Readiness, type ReadinessCheck } from "./readiness-check.js";

export interface CombineReadinessOptions {
  /**
   * A check that has not answered within this many milliseconds counts as not ready, so a hung store
   * fails the probe instead of hanging it. Default 1000, Kubernetes' default probe timeout.
   */
  readonly checkTimeoutMs?: number;
  /** Told why a check threw. The caller of `/readyz` learns only which check failed. */
  readonly onCheckError?: (error: unknown) => void;
}

const DEFAULT_CHECK_TIMEOUT_MS = 1000;

/**
 * One readiness check from named ones: ready when every check is. They run concurrently; the reason
 * lists every failing check by name, in the order given.
 */
export function combineReadinessChecks(
  checks: Readonly<Record<string, ReadinessCheck>>,
  options: CombineReadinessOptions = {},
): ReadinessCheck {
  const checkTimeoutMs = options.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const onCheckError = options.onCheckError ?? (() => {});
  const named = Object.entries(checks);
  return async () => {
    const results = await Promise.all(
      named.map(async ([name, check]) => describe(name, await runCheck(check, checkTimeoutMs, onCheckError))),
    );
    const reasons = results.filter((reason): reason is string => reason !== undefined);
    return reasons.length === 0 ? READY : { ready: false, reason: reasons.join("; ") };
  };
}

type Outcome = Readiness | { readonly ready: "threw" } | { readonly ready: "timed_out"; readonly afterMs: number };

async function runCheck(check: ReadinessCheck, timeoutMs: number, onCheckError: (error: unknown) => void): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ ready: "timed_out", afterMs: timeoutMs }), timeoutMs);
  });
  const answered = Promise.resolve()
    .then(check)
    .catch((error: unknown): Outcome => {
      onCheckError(error);
      return { ready: "threw" };
    });
  try {
    return await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(name: string, outcome: Outcome): string | undefined {
  switch (outcome.ready) {
    case true:
      return undefined;
    case false:
      return `${name}: ${outcome.reason}`;
    case "threw":
      return `${name}: check failed`;
    case "timed_out":
      return `${name}: no answer within ${outcome.afterMs} ms`;
  }
}
