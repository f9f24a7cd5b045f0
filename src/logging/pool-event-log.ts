import type { Logger } from "pino";
import type { DeploymentEvent } from "../pool/index.js";

/** Logs circuit transitions and cooldowns of configured deployments, one line each. */
export function poolEventLog(logger: Logger): (deploymentId: string, event: DeploymentEvent) => void {
  return (deploymentId, event) => {
    if (event.type === "circuit") {
      logger.info({ deployment: deploymentId, ...("reason" in event && { reason: event.reason }) }, `circuit ${event.to}`);
    } else {
      logger.info({ deployment: deploymentId, until: new Date(event.untilMs).toISOString() }, "cooldown");
    }
  };
}
