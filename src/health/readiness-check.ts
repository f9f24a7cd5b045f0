/** Whether the gateway should receive traffic now and, when it should not, why. */
export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: string };

/**
 * One thing readiness depends on: the store, the lifecycle, later the deployment pool. A check may
 * throw; `combineReadinessChecks` turns that into "not ready".
 */
export type ReadinessCheck = () => Promise<Readiness>;

export const READY: Readiness = Object.freeze({ ready: true });
