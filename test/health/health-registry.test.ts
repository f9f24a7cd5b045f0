import { describe, expect, it } from "vitest";
import { HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { HealthRegistry, OVERALL_HEALTH } from "../../src/health/index.js";

const CHAT = "tensorwall.v1.ChatService";

/** Settles to "pending" if `promise` has not settled once pending callbacks have run. */
function settledYet(promise: Promise<unknown>): Promise<"settled" | "pending"> {
  return Promise.race([promise.then(() => "settled" as const), new Promise<"pending">((resolve) => setImmediate(() => resolve("pending")))]);
}

describe("HealthRegistry", () => {
  it("starts every named service and the overall status SERVING, and knows no others", () => {
    const registry = new HealthRegistry([CHAT]);
    expect(registry.status(OVERALL_HEALTH)).toBe(ServingStatus.SERVING);
    expect(registry.status(CHAT)).toBe(ServingStatus.SERVING);
    expect(registry.status("tensorwall.v1.Nope")).toBeUndefined();
    expect([...registry.statuses().keys()].sort()).toEqual([OVERALL_HEALTH, CHAT]);
  });

  it("reports every known service NOT_SERVING once shut down, and ignores changes afterwards", () => {
    const registry = new HealthRegistry([CHAT]);
    registry.shutDown();
    registry.setStatus(CHAT, ServingStatus.SERVING);
    registry.setStatus("late.Service", ServingStatus.SERVING);
    expect(registry.statuses()).toEqual(
      new Map([
        [OVERALL_HEALTH, ServingStatus.NOT_SERVING],
        [CHAT, ServingStatus.NOT_SERVING],
      ]),
    );
    expect(registry.status("late.Service")).toBeUndefined();
  });

  it("is ready while serving and not ready, saying why, otherwise", async () => {
    const registry = new HealthRegistry([]);
    expect(await registry.readiness()).toEqual({ ready: true });
    registry.setStatus(OVERALL_HEALTH, ServingStatus.NOT_SERVING);
    expect(await registry.readiness()).toEqual({ ready: false, reason: "not serving" });
    registry.shutDown();
    expect(await registry.readiness()).toEqual({ ready: false, reason: "shutting down" });
  });

  describe("watch", () => {
    it("sends the current status, then each change, then NOT_SERVING and the end on shutdown", async () => {
      const registry = new HealthRegistry([CHAT]);
      const watch = registry.watch(CHAT, new AbortController().signal);
      expect(await watch.next()).toEqual({ done: false, value: ServingStatus.SERVING });
      const next = watch.next();
      registry.setStatus(CHAT, ServingStatus.NOT_SERVING);
      expect(await next).toEqual({ done: false, value: ServingStatus.NOT_SERVING });
      registry.setStatus(CHAT, ServingStatus.SERVING);
      expect(await watch.next()).toEqual({ done: false, value: ServingStatus.SERVING });
      const afterShutdown = watch.next();
      registry.shutDown();
      registry.shutDown();
      expect(await afterShutdown).toEqual({ done: false, value: ServingStatus.NOT_SERVING });
      expect(await watch.next()).toEqual({ done: true, value: undefined });
    });

    it("sends nothing when a status is set to the value it already has", async () => {
      const registry = new HealthRegistry([CHAT]);
      const watch = registry.watch(CHAT, new AbortController().signal);
      await watch.next();
      const next = watch.next();
      registry.setStatus(CHAT, ServingStatus.SERVING);
      registry.setStatus(OVERALL_HEALTH, ServingStatus.NOT_SERVING);
      expect(await settledYet(next)).toBe("pending");
      registry.setStatus(CHAT, ServingStatus.NOT_SERVING);
      expect(await next).toEqual({ done: false, value: ServingStatus.NOT_SERVING });
    });

    it("collapses changes made while the watcher was busy into the latest status", async () => {
      const registry = new HealthRegistry([CHAT]);
      const watch = registry.watch(CHAT, new AbortController().signal);
      await watch.next();
      registry.setStatus(CHAT, ServingStatus.NOT_SERVING);
      registry.setStatus(CHAT, ServingStatus.UNKNOWN);
      expect(await watch.next()).toEqual({ done: false, value: ServingStatus.UNKNOWN });
    });

    it("says SERVICE_UNKNOWN for an unknown service and stays open until it becomes known", async () => {
      const registry = new HealthRegistry([]);
      const watch = registry.watch("later.Service", new AbortController().signal);
      expect(await watch.next()).toEqual({ done: false, value: ServingStatus.SERVICE_UNKNOWN });
      const next = watch.next();
      expect(await settledYet(next)).toBe("pending");
      registry.setStatus("later.Service", ServingStatus.SERVING);
      expect(await next).toEqual({ done: false, value: ServingStatus.SERVING });
    });

    it("ends when its signal fires, even while waiting for a change", async () => {
      const registry = new HealthRegistry([CHAT]);
      const abort = new AbortController();
      const watch = registry.watch(CHAT, abort.signal);
      await watch.next();
      const next = watch.next();
      abort.abort();
      expect(await next).toEqual({ done: true, value: undefined });
    });
  });
});
