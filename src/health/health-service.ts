import type { ServiceImpl } from "@connectrpc/connect";
import type { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { GatewayError } from "../errors/index.js";
import type { HealthRegistry } from "./health-registry.js";

/**
 * `grpc.health.v1.Health` over Connect, gRPC and gRPC-Web. It asks for no key: load balancers and
 * Kubernetes probes call it, and it tells nothing a port scan would not.
 */
export function createHealthService(registry: HealthRegistry): ServiceImpl<typeof Health> {
  return {
    check(request) {
      const status = registry.status(request.service);
      if (status === undefined) {
        // NOT_FOUND for an unknown service is what the health checking protocol prescribes.
        throw new GatewayError("not_found", `No health status for service '${request.service}'.`);
      }
      return { status };
    },
    list() {
      const statuses = Object.fromEntries([...registry.statuses()].map(([name, status]) => [name, { status }]));
      return { statuses };
    },
    async *watch(request, ctx) {
      for await (const status of registry.watch(request.service, ctx.signal)) yield { status };
    },
  };
}
