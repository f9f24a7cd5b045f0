import { HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { READY, type Readiness } from "./readiness-check.js";

/** The empty name: the server as a whole, as gRPC health checking defines it. */
export const OVERALL_HEALTH = "";

type HealthState =
  | { readonly kind: "running"; readonly statuses: ReadonlyMap<string, ServingStatus> }
  /** Final: every known service reads NOT_SERVING and changes are ignored, as in grpc-go's Shutdown. */
  | { readonly kind: "shut_down"; readonly services: ReadonlySet<string> };

/**
 * The serving status of the server and of each service, as `grpc.health.v1.Health` reports it. Every
 * service starts SERVING. `shutDown()` is the one way out: the gateway calls it first thing in
 * `close()`, so load balancers see NOT_SERVING before connections start to close.
 */
export class HealthRegistry {
  #state: HealthState;
  /** Woken once per transition; Watch streams wait on it. */
  readonly #waiters = new Set<() => void>();

  /** `services`: fully qualified names such as "tensorwall.v1.ChatService"; the overall "" is added. */
  constructor(services: Iterable<string>) {
    const names = new Set([OVERALL_HEALTH, ...services]);
    this.#state = { kind: "running", statuses: new Map([...names].map((name) => [name, ServingStatus.SERVING])) };
  }

  /** A service's status, or undefined for a service this server does not know. */
  status(service: string): ServingStatus | undefined {
    const state = this.#state;
    if (state.kind === "running") return state.statuses.get(service);
    return state.services.has(service) ? ServingStatus.NOT_SERVING : undefined;
  }

  /** Every known service with its status, the overall "" included. */
  statuses(): Map<string, ServingStatus> {
    const state = this.#state;
    if (state.kind === "running") return new Map(state.statuses);
    return new Map([...state.services].map((name) => [name, ServingStatus.NOT_SERVING]));
  }

  /**
   * Sets a service's status, adding the service if it is new. Setting the status it already has
   * changes nothing and wakes no watcher; after `shutDown()` it is ignored.
   */
  setStatus(service: string, status: ServingStatus): void {
    const state = this.#state;
    if (state.kind !== "running" || state.statuses.get(service) === status) return;
    this.#transition({ kind: "running", statuses: new Map(state.statuses).set(service, status) });
  }

  /** Every service NOT_SERVING from now on; Watch streams send that and end. Idempotent. */
  shutDown(): void {
    const state = this.#state;
    if (state.kind === "shut_down") return;
    this.#transition({ kind: "shut_down", services: new Set(state.statuses.keys()) });
  }

  /** For `/readyz`: a server that is shutting down must receive no new traffic. */
  async readiness(): Promise<Readiness> {
    const overall = this.status(OVERALL_HEALTH);
    if (overall === ServingStatus.SERVING) return READY;
    return { ready: false, reason: this.#state.kind === "shut_down" ? "shutting down" : "not serving" };
  }

  /**
   * The service's status now, then each change, as gRPC's Watch defines it: SERVICE_UNKNOWN for a
   * service not (yet) known, and the stream stays open. Changes that happen while the consumer is busy
   * collapse into the latest. Ends after sending NOT_SERVING on shutdown, or when `signal` fires.
   */
  async *watch(service: string, signal: AbortSignal): AsyncGenerator<ServingStatus, void> {
    let sent: ServingStatus | undefined;
    while (!signal.aborted) {
      const current = this.status(service) ?? ServingStatus.SERVICE_UNKNOWN;
      if (current !== sent) {
        sent = current;
        yield current;
        // Read again before waiting: the state may have changed while the consumer held us.
        continue;
      }
      if (this.#state.kind === "shut_down") return;
      await this.#nextTransition(signal);
    }
  }

  #transition(next: HealthState): void {
    this.#state = next;
    for (const wake of [...this.#waiters]) wake();
  }

  #nextTransition(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.#waiters.delete(wake);
        signal.removeEventListener("abort", wake);
        resolve();
      };
      this.#waiters.add(wake);
      signal.addEventListener("abort", wake, { once: true });
    });
  }
}
