import type { ServerResponse } from "node:http";
import type { FastFakeReplies } from "./fast-fake-replies.js";

/** How a held group is doing, as the fake reports it. */
export interface HeldGroupReport {
  readonly target: number;
  readonly arrived: number;
  readonly open: number;
  readonly maxOpen: number;
  readonly completed: number;
  /** Streams whose client (the gateway) went away before the fake ended them: drops. */
  readonly closedEarly: number;
  readonly phase: HeldPhase["kind"];
}

/** Gathering until `target` streams are open at once, then holding them, then released; ticking until then. */
type HeldPhase =
  | { readonly kind: "gathering"; readonly ticker: NodeJS.Timeout; readonly giveUp: NodeJS.Timeout }
  | { readonly kind: "holding"; readonly ticker: NodeJS.Timeout; readonly release: NodeJS.Timeout }
  | { readonly kind: "released" };

interface HeldGroup {
  readonly target: number;
  readonly holdMs: number;
  readonly open: Set<ServerResponse>;
  phase: HeldPhase;
  arrived: number;
  maxOpen: number;
  completed: number;
  closedEarly: number;
}

/**
 * Every held stream gets one content chunk per tick, like a slow model: often enough that no
 * stream looks stalled to the gateway (its idle timeout is 30 s), rarely enough that relaying
 * ticks to thousands of streams does not slow their ramp-up.
 */
const TICK_MS = 2_000;
/** A group that never fills up is held anyway after this long, so a run cannot hang on it. */
const GATHER_LIMIT_MS = 60_000;
const HELD_DEPLOYMENT = /^hold-(\d+)-(\d+)-[a-z0-9]+$/;

/**
 * Slow streams for the open-streams leg. A request to deployment `hold-<count>-<ms>-<run>` gets its
 * stream's first events at once, then nothing but a chunk every 2 s until `count` such streams
 * are open together; all of them are then kept open `ms` longer and ended together. So the gateway
 * provably holds `count` streams at the same moment, however fast the client ramps up.
 */
export class HeldStreams {
  readonly #replies: FastFakeReplies;
  readonly #groups = new Map<string, HeldGroup>();

  constructor(replies: FastFakeReplies) {
    this.#replies = replies;
  }

  /** Whether `deployment` names a held group: `hold-<count>-<ms>-<run>`, e.g. `hold-5000-3000-rest`. */
  static matches(deployment: string): boolean {
    return HELD_DEPLOYMENT.test(deployment);
  }

  answer(deployment: string, res: ServerResponse, headers: Record<string, string>): void {
    const group = this.#group(deployment);
    res.writeHead(200, headers);
    res.write(this.#replies.heldHead);
    group.arrived += 1;
    if (group.phase.kind === "released") {
      res.end(this.#replies.heldTail);
      group.completed += 1;
      return;
    }
    group.open.add(res);
    group.maxOpen = Math.max(group.maxOpen, group.open.size);
    res.on("close", () => {
      if (group.open.delete(res)) group.closedEarly += 1;
    });
    if (group.phase.kind === "gathering" && group.open.size >= group.target) this.#hold(group);
  }

  report(): Record<string, HeldGroupReport> {
    const reports: Record<string, HeldGroupReport> = {};
    for (const [name, group] of this.#groups) {
      reports[name] = {
        target: group.target,
        arrived: group.arrived,
        open: group.open.size,
        maxOpen: group.maxOpen,
        completed: group.completed,
        closedEarly: group.closedEarly,
        phase: group.phase.kind,
      };
    }
    return reports;
  }

  #group(deployment: string): HeldGroup {
    const existing = this.#groups.get(deployment);
    if (existing !== undefined) return existing;
    const [, count, ms] = HELD_DEPLOYMENT.exec(deployment) ?? [];
    const group: HeldGroup = {
      target: Number(count),
      holdMs: Number(ms),
      open: new Set(),
      // Ticking from the start keeps a slow ramp-up from looking like a stalled stream.
      phase: {
        kind: "gathering",
        ticker: setInterval(() => {
          for (const res of group.open) res.write(this.#replies.heldTick);
        }, TICK_MS),
        giveUp: setTimeout(() => this.#hold(group), GATHER_LIMIT_MS),
      },
      arrived: 0,
      maxOpen: 0,
      completed: 0,
      closedEarly: 0,
    };
    this.#groups.set(deployment, group);
    return group;
  }

  #hold(group: HeldGroup): void {
    if (group.phase.kind !== "gathering") return;
    clearTimeout(group.phase.giveUp);
    const release = setTimeout(() => this.#release(group), group.holdMs);
    group.phase = { kind: "holding", ticker: group.phase.ticker, release };
  }

  #release(group: HeldGroup): void {
    if (group.phase.kind !== "holding") return;
    clearInterval(group.phase.ticker);
    group.phase = { kind: "released" };
    const open = [...group.open];
    group.open.clear();
    for (const res of open) {
      res.end(this.#replies.heldTail);
      group.completed += 1;
    }
  }
}
