import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type AdminService,
  CircuitState,
  type Deployment,
  DeploymentSchema,
  ListDeploymentsResponseSchema,
  ResetCircuitResponseSchema,
  SetDeploymentEnabledResponseSchema,
} from "../../gen/tensorwall/v1/admin_pb.js";
import { GatewayError } from "../errors/index.js";
import type { KeyRegistry } from "../keys/index.js";
import type { DeploymentPool, DeploymentSnapshot } from "../pool/index.js";
import { adminAuthenticator } from "./admin-authenticator.js";

/** The AdminService methods that show and steer the deployment pool. */
export type DeploymentAdminHandlers = Pick<
  ServiceImpl<typeof AdminService>,
  "listDeployments" | "resetCircuit" | "setDeploymentEnabled"
>;

/** What the handlers need of the pool. */
export type DeploymentControl = Pick<DeploymentPool, "listDeployments" | "resetCircuit" | "setDeploymentEnabled">;

/** A gateway with no configured deployments, for tests of the other admin concerns. */
export const NO_DEPLOYMENTS: DeploymentControl = {
  listDeployments: () => [],
  resetCircuit: (id) => unknownDeployment(id),
  setDeploymentEnabled: (id) => unknownDeployment(id),
};

/** Pool administration. Every call needs an admin key. */
export function deploymentAdminHandlers(registry: KeyRegistry, pool: DeploymentControl): DeploymentAdminHandlers {
  const admin = adminAuthenticator(registry);
  return {
    async listDeployments(_request, ctx) {
      await admin(ctx);
      return create(ListDeploymentsResponseSchema, { deployments: pool.listDeployments().map(toDeploymentMessage) });
    },

    async resetCircuit(request, ctx) {
      await admin(ctx);
      return create(ResetCircuitResponseSchema, {
        deployment: toDeploymentMessage(pool.resetCircuit(requireId(request.deploymentId))),
      });
    },

    async setDeploymentEnabled(request, ctx) {
      await admin(ctx);
      return create(SetDeploymentEnabledResponseSchema, {
        deployment: toDeploymentMessage(pool.setDeploymentEnabled(requireId(request.deploymentId), request.enabled)),
      });
    },
  };
}

export function toDeploymentMessage(snapshot: DeploymentSnapshot): Deployment {
  return create(DeploymentSchema, {
    id: snapshot.id,
    routes: [...snapshot.routes],
    endpoint: snapshot.endpoint,
    region: snapshot.region,
    deployment: snapshot.deployment,
    model: snapshot.model,
    circuitState: CIRCUIT_STATES[snapshot.circuit],
    cooldownUntil: snapshot.cooldownUntilMs === undefined ? undefined : timestampFromMs(snapshot.cooldownUntilMs),
    enabled: snapshot.enabled,
    inFlight: snapshot.inFlight,
    latencyEstimateMs: snapshot.latencyEstimateMs ?? 0,
    successCount: BigInt(snapshot.successCount),
    failureCount: BigInt(snapshot.failureCount),
  });
}

const CIRCUIT_STATES: Record<DeploymentSnapshot["circuit"], CircuitState> = {
  closed: CircuitState.CLOSED,
  open: CircuitState.OPEN,
  half_open: CircuitState.HALF_OPEN,
};

function requireId(id: string): string {
  if (id === "") throw new GatewayError("invalid_request", "'deployment_id' is required.", { param: "deployment_id" });
  return id;
}

function unknownDeployment(id: string): never {
  throw new GatewayError("not_found", `No deployment has the id ${JSON.stringify(id)}; ListDeployments shows the ids.`);
}
