import { addLocalDays, localDateTime, startOfLocalDay } from './time-zone.ts';

/**
 * Budget pacing, defined once: the API's campaign pacing, the target rule "projected overspend" and the exactness
 * tests all call `projectPacing`.
 *
 * Today is the local day of the reporting time zone. The projection divides today's spend by the share of a day's
 * spend that recent days had spent by the same time since their local midnight: the same weekday of the last
 * PACING_HISTORY_WEEKS weeks (their spend before that time / their whole spend). Without spend history it falls back
 * to the share of the day elapsed (a straight line).
 */

/** Weeks of the same weekday the intraday shape is learned from. */
export const PACING_HISTORY_WEEKS = 4;
/** On pace: projected spend within ±10% of the daily budget. */
export const PACING_TOLERANCE = 0.1;

export const PACING_STATUSES = ['under', 'on', 'over'] as const;
export type PacingStatus = (typeof PACING_STATUSES)[number];

export interface PacingInput {
  /** Spend of today so far. */
  spendToday: number;
  /** Null: no budget, so no status. */
  dailyBudget: number | null;
  /** The share of today's local day elapsed (0..1). */
  elapsedShare: number;
  /** Spend of the history days before the same time since their local midnight, and their whole spend. */
  historySpendBefore: number;
  historySpendTotal: number;
}

export interface Pacing {
  spendToday: number;
  dailyBudget: number | null;
  /** The share of a day's spend expected by now: from history, else the elapsed share. */
  expectedShare: number;
  /** Whether expectedShare came from the history (false: the straight line). */
  fromHistory: boolean;
  projectedSpend: number;
  /** projectedSpend / dailyBudget; null without a budget. */
  budgetShare: number | null;
  status: PacingStatus | null;
}

export function projectPacing(input: PacingInput): Pacing {
  const fromHistory = input.historySpendTotal > 0;
  const expectedShare = fromHistory ? input.historySpendBefore / input.historySpendTotal : input.elapsedShare;
  // Nothing is expected by now (history spends later): today's spend is all that is known, so far.
  const projectedSpend = expectedShare > 0 ? input.spendToday / expectedShare : input.spendToday;
  const budgetShare = input.dailyBudget ? projectedSpend / input.dailyBudget : null;
  const status: PacingStatus | null =
    budgetShare === null
      ? null
      : budgetShare > 1 + PACING_TOLERANCE
        ? 'over'
        : budgetShare < 1 - PACING_TOLERANCE
          ? 'under'
          : 'on';
  return {
    spendToday: input.spendToday,
    dailyBudget: input.dailyBudget,
    expectedShare,
    fromHistory,
    projectedSpend,
    budgetShare,
    status,
  };
}

/** [from, to) instants. */
export interface PacingRange {
  from: Date;
  to: Date;
}

/** The windows pacing sums spend over, at an instant, in a zone (the API and the worker's target rule both sum these). */
export interface PacingWindows {
  /** The local date of today, YYYY-MM-DD. */
  day: string;
  /** [local midnight, at). */
  today: PacingRange;
  /** The share of today's local day elapsed at `at` (today's day may be 23 or 25 hours long). */
  elapsedShare: number;
  /** The same weekday of each of the last PACING_HISTORY_WEEKS weeks: up to the same elapsed time, and the whole day. */
  history: { before: PacingRange; whole: PacingRange }[];
}

export function pacingWindows(at: Date, timeZone: string): PacingWindows {
  return pacingWindowsOfDay(pacingDay(at, timeZone), at);
}

/** The local day pacing judges an instant in: its bounds and those of the same weekday of past weeks. */
export interface PacingDay {
  /** The local date, YYYY-MM-DD. */
  day: string;
  /** [local midnight, next local midnight). */
  bounds: PacingRange;
  /** The whole same weekday of each of the last PACING_HISTORY_WEEKS weeks, the latest first. */
  history: PacingRange[];
}

/**
 * The local day of `at` in a zone. Its bounds are the same for every instant of the day, so a replay over many
 * minutes (the backtest) computes them once a day and derives each minute's windows with `pacingWindowsOfDay`.
 */
export function pacingDay(at: Date, timeZone: string): PacingDay {
  const midnight = startOfLocalDay(at, timeZone);
  const history = Array.from({ length: PACING_HISTORY_WEEKS }, (_, index) => {
    const start = addLocalDays(midnight, -7 * (index + 1), timeZone);
    return { from: start, to: addLocalDays(start, 1, timeZone) };
  });
  const local = localDateTime(midnight, timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    day: `${local.year}-${pad(local.month)}-${pad(local.day)}`,
    bounds: { from: midnight, to: addLocalDays(midnight, 1, timeZone) },
    history,
  };
}

/** The pacing windows at `at`, an instant of `day`. */
export function pacingWindowsOfDay(day: PacingDay, at: Date): PacingWindows {
  const midnight = day.bounds.from.getTime();
  const elapsedMs = at.getTime() - midnight;
  return {
    day: day.day,
    today: { from: day.bounds.from, to: at },
    elapsedShare: elapsedMs / (day.bounds.to.getTime() - midnight),
    history: day.history.map((whole) => ({
      before: { from: whole.from, to: new Date(Math.min(whole.from.getTime() + elapsedMs, whole.to.getTime())) },
      whole,
    })),
  };
}
