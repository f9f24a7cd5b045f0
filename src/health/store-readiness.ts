import type { KeyStore } from "../store/index.js";
import { READY, type ReadinessCheck } from "./readiness-check.js";

/**
 * Ready when the store answers a query; a store that fails or hangs throws or times out, which
 * `combineReadinessChecks` reports. Any cheap query proves the point, and an absent setting is as much
 * an answer as a present one.
 */
export function storeReadiness(store: Pick<KeyStore, "getSetting">): ReadinessCheck {
  return () => store.getSetting("readiness_probe").then(() => READY);
}
