import type { CircuitPermit } from "./circuit-breaker.js";

/**
 * One request's use of one deployment, from PooledDeployment.begin() to its end: sent, then
 * answered (Azure's first byte), then ended. The deployment moves it along; each step happens once.
 */
export class DeploymentAttempt {
  readonly startedAtMs: number;
  readonly permit: CircuitPermit;
  phase: "sent" | "answered" | "ended" = "sent";

  constructor(permit: CircuitPermit, startedAtMs: number) {
    this.permit = permit;
    this.startedAtMs = startedAtMs;
  }
}
