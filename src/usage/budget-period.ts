import type { BudgetPeriod } from "../store/index.js";

export interface PeriodBounds {
  readonly startMs: number;
  /** Exclusive. */
  readonly endMs: number;
}

/** The UTC day or month containing `nowMs`; a new period begins at 00:00 UTC (on the 1st for months). */
export function budgetPeriodAt(period: BudgetPeriod, nowMs: number): PeriodBounds {
  const now = new Date(nowMs);
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  if (period === "month") return { startMs: Date.UTC(year, month, 1), endMs: Date.UTC(year, month + 1, 1) };
  const day = now.getUTCDate();
  return { startMs: Date.UTC(year, month, day), endMs: Date.UTC(year, month, day + 1) };
}
