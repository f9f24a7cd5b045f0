import type { BreakerSettings } from "../config/index.js";
import { RollingWindow } from "./rolling-window.js";

/** The breaker's whole state. Each transition replaces it and bumps the generation. */
type CircuitState =
  | {
      readonly kind: "closed";
      readonly window: RollingWindow;
      /** The current run of failures with no success between them, if any. */
      readonly failureRun: { readonly count: number; readonly startedAtMs: number } | undefined;
    }
  | { readonly kind: "open"; readonly halfOpenAtMs: number }
  | { readonly kind: "half_open"; readonly probesInFlight: number };

/** What callers may see of the state. An open circuit whose reset timeout passed reads as half-open. */
export type CircuitView =
  | { readonly kind: "closed" }
  | { readonly kind: "open"; readonly halfOpenAtMs: number }
  | { readonly kind: "half_open"; readonly probesInFlight: number; readonly probesAllowed: number };

/** Leave to send one request. Settle it exactly once. */
export interface CircuitPermit {
  readonly generation: number;
  readonly probe: boolean;
}

/** `neutral`: the attempt proved nothing about the deployment (the caller canceled, or was at fault). */
export type CircuitOutcome = "success" | "failure" | "neutral";

export type CircuitTransition =
  | { readonly to: "open"; readonly reason: "failure_rate" | "consecutive_failures" | "probe_failed"; readonly atMs: number }
  | { readonly to: "half_open"; readonly atMs: number }
  | { readonly to: "closed"; readonly reason: "probe_succeeded" | "reset"; readonly atMs: number };

/**
 * One deployment's circuit breaker. Closed, it counts outcomes in a rolling window (opossum's
 * Status, see RollingWindow) and opens on a failure rate or a run of consecutive failures. Open, it
 * refuses everything until its reset timeout passes; then it lets `halfOpenProbes` requests through
 * at a time, closing on the first probe that succeeds and opening again on the first that fails.
 *
 * Why not opossum's CircuitBreaker itself: it schedules half-open on a real setTimeout and reads
 * Date.now, lets exactly one probe through, and keeps its state in parallel flags. Here state is one
 * union that only moves on an outcome or on acquire() after the reset time, every transition emits
 * exactly one event, and time always comes from the caller. JavaScript runs acquire() to completion
 * before anything else, so concurrent requests can never take more probes than allowed.
 */
export class CircuitBreaker {
  readonly #settings: BreakerSettings;
  readonly #onTransition: (transition: CircuitTransition) => void;
  #state: CircuitState;
  // Permits from an earlier state describe a world that has moved on; they settle without effect.
  #generation = 0;

  constructor(settings: BreakerSettings, nowMs: number, onTransition: (transition: CircuitTransition) => void = () => {}) {
    this.#settings = settings;
    this.#onTransition = onTransition;
    this.#state = this.#closed(nowMs);
  }

  view(nowMs: number): CircuitView {
    const state = this.#state;
    switch (state.kind) {
      case "closed":
        return { kind: "closed" };
      case "open":
        return nowMs >= state.halfOpenAtMs
          ? { kind: "half_open", probesInFlight: 0, probesAllowed: this.#settings.halfOpenProbes }
          : { kind: "open", halfOpenAtMs: state.halfOpenAtMs };
      case "half_open":
        return { kind: "half_open", probesInFlight: state.probesInFlight, probesAllowed: this.#settings.halfOpenProbes };
    }
  }

  /** Whether acquire() would give a permit now. */
  admits(nowMs: number): boolean {
    const view = this.view(nowMs);
    return view.kind === "closed" || (view.kind === "half_open" && view.probesInFlight < view.probesAllowed);
  }

  acquire(nowMs: number): CircuitPermit | undefined {
    if (!this.admits(nowMs)) return undefined;
    const state = this.#state;
    if (state.kind === "closed") return { generation: this.#generation, probe: false };
    if (state.kind === "open") this.#transition({ kind: "half_open", probesInFlight: 0 }, { to: "half_open", atMs: nowMs });
    const probes = this.#state.kind === "half_open" ? this.#state.probesInFlight : 0;
    this.#state = { kind: "half_open", probesInFlight: probes + 1 };
    return { generation: this.#generation, probe: true };
  }

  settle(permit: CircuitPermit, outcome: CircuitOutcome, nowMs: number): void {
    if (permit.generation !== this.#generation) return;
    const state = this.#state;
    if (state.kind === "half_open") {
      if (outcome === "success") this.#transition(this.#closed(nowMs), { to: "closed", reason: "probe_succeeded", atMs: nowMs });
      else if (outcome === "failure") this.#open(nowMs, "probe_failed");
      else this.#state = { kind: "half_open", probesInFlight: state.probesInFlight - 1 };
      return;
    }
    if (state.kind === "closed" && outcome !== "neutral") this.#count(state, outcome, nowMs);
  }

  /**
   * A failure learned after the attempt's permit was settled: a stream that broke after its first
   * chunk. It counts while closed; open or half-open, the breaker already knows enough.
   */
  noteLateFailure(nowMs: number): void {
    if (this.#state.kind === "closed") this.#count(this.#state, "failure", nowMs);
  }

  /** Closes the circuit with a fresh window (an operator's reset). */
  reset(nowMs: number): void {
    if (this.#state.kind === "closed") this.#state = this.#closed(nowMs);
    else this.#transition(this.#closed(nowMs), { to: "closed", reason: "reset", atMs: nowMs });
  }

  #count(state: Extract<CircuitState, { kind: "closed" }>, outcome: "success" | "failure", nowMs: number): void {
    state.window.record(outcome, nowMs);
    if (outcome === "success") {
      // Built only when there is a run to end: on Node 20 a spread with a property after it costs
      // microseconds, on every successful request.
      if (state.failureRun !== undefined) this.#state = { kind: "closed", window: state.window, failureRun: undefined };
      return;
    }
    const { consecutiveFailures, windowMs, minimumRequests, failureRatePercent } = this.#settings;
    const run = state.failureRun;
    const failureRun = run !== undefined && nowMs - run.startedAtMs <= windowMs
      ? { count: run.count + 1, startedAtMs: run.startedAtMs }
      : { count: 1, startedAtMs: nowMs };
    if (failureRun.count >= consecutiveFailures) return this.#open(nowMs, "consecutive_failures");
    const { requests, failures } = state.window.counts(nowMs);
    if (requests >= minimumRequests && failures * 100 >= failureRatePercent * requests) return this.#open(nowMs, "failure_rate");
    this.#state = { ...state, failureRun };
  }

  #open(nowMs: number, reason: "failure_rate" | "consecutive_failures" | "probe_failed"): void {
    this.#transition({ kind: "open", halfOpenAtMs: nowMs + this.#settings.resetTimeoutMs }, { to: "open", reason, atMs: nowMs });
  }

  #closed(nowMs: number): CircuitState {
    return { kind: "closed", window: new RollingWindow(this.#settings.windowMs, nowMs), failureRun: undefined };
  }

  #transition(next: CircuitState, transition: CircuitTransition): void {
    this.#state = next;
    this.#generation += 1;
    this.#onTransition(transition);
  }
}
