import {
  addLocalDays,
  canonicalTimeZone,
  DEFAULT_TIME_ZONE,
  localDateTime,
  instantOfLocal,
  MAX_WINDOW_MINUTES,
  MIN_WINDOW_MINUTES,
  startOfLocalDay,
  type KeptRows,
} from '@pmd/domain';
import { InvalidArgumentError } from './errors.ts';

// The window limits are the domain's (the dashboard checks the same ones); re-exported for the schema's descriptions.
export { MAX_WINDOW_MINUTES, MIN_WINDOW_MINUTES };

/** A half-open time range [from, to), and the zone its day and hour buckets are read in (absent: UTC). */
export interface TimeWindow {
  from: Date;
  to: Date;
  timeZone?: string;
  /** What retention left when the window was resolved; absent: everything is kept (see planCoverage). */
  kept?: KeptRows;
}

/** Calendar windows of the reporting zone, resolved against now. */
export const CALENDAR_PERIODS = ['today', 'yesterday', 'last7Days', 'last28Days', 'thisMonth'] as const;
export type CalendarPeriod = (typeof CALENDAR_PERIODS)[number];

/**
 * What a client asks for: the last N minutes ending now, a calendar period of the zone, or an explicit from (and
 * optional to, default now); in a reporting zone (default: the server's REPORTING_TIME_ZONE).
 */
export interface WindowInput {
  lastMinutes?: number | null;
  period?: CalendarPeriod | null;
  from?: Date | null;
  to?: Date | null;
  timeZone?: string | null;
}

/** The reporting zone a request names, checked; the default when it names none. */
export function resolveTimeZone(requested: string | null | undefined, fallback: string = DEFAULT_TIME_ZONE): string {
  if (requested == null) return fallback;
  const zone = canonicalTimeZone(requested);
  if (zone === null) {
    throw new InvalidArgumentError(
      `timeZone must be an IANA time zone such as UTC, Asia/Kolkata or America/New_York; got ${JSON.stringify(requested.slice(0, 80))}.`,
      'window.timeZone',
    );
  }
  return zone;
}

/** [start, end) of a calendar period in `timeZone`, as of `now` ("today" ends now: it is not over). */
function calendarWindow(period: CalendarPeriod, now: Date, timeZone: string): { from: Date; to: Date } {
  const today = startOfLocalDay(now, timeZone);
  switch (period) {
    case 'today':
      return { from: today, to: now };
    case 'yesterday':
      return { from: addLocalDays(today, -1, timeZone), to: today };
    case 'last7Days':
      return { from: addLocalDays(today, -7, timeZone), to: today };
    case 'last28Days':
      return { from: addLocalDays(today, -28, timeZone), to: today };
    case 'thisMonth': {
      const local = localDateTime(now, timeZone);
      return {
        from: instantOfLocal({ year: local.year, month: local.month, day: 1, hour: 0, minute: 0 }, timeZone),
        to: now,
      };
    }
  }
}

export const MINUTE_MS = 60_000;

/**
 * Resolves a window input against `now` in its zone (or `defaultTimeZone`); throws InvalidArgumentError for anything
 * ambiguous or out of range.
 */
export function resolveWindow(
  input: WindowInput,
  now: Date = new Date(),
  defaultTimeZone: string = DEFAULT_TIME_ZONE,
): TimeWindow {
  const timeZone = resolveTimeZone(input.timeZone, defaultTimeZone);
  const { timeZone: _zone, ...window } = input;
  return { ...resolveInstants(window, now, timeZone), timeZone };
}

function resolveInstants(input: Omit<WindowInput, 'timeZone'>, now: Date, timeZone: string): { from: Date; to: Date } {
  const hasRange = input.from != null || input.to != null;
  const kinds = [input.lastMinutes != null, input.period != null, hasRange].filter(Boolean).length;
  if (kinds > 1) {
    throw new InvalidArgumentError('window: give one of lastMinutes, period or from/to.', 'window');
  }
  if (input.period != null) return calendarWindow(input.period, now, timeZone);
  if (input.lastMinutes != null) {
    const minutes = input.lastMinutes;
    if (!Number.isInteger(minutes) || minutes < MIN_WINDOW_MINUTES || minutes > MAX_WINDOW_MINUTES) {
      throw new InvalidArgumentError(
        `window.lastMinutes must be an integer between ${MIN_WINDOW_MINUTES} and ${MAX_WINDOW_MINUTES} (90 days); got ${minutes}.`,
        'window.lastMinutes',
      );
    }
    return { from: new Date(now.getTime() - minutes * MINUTE_MS), to: now };
  }
  if (input.from == null) {
    throw new InvalidArgumentError(
      'window needs lastMinutes, period, or from (and optionally to, default now).',
      'window',
    );
  }
  const from = input.from;
  const to = input.to ?? now;
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) {
    throw new InvalidArgumentError('window.from and window.to must be valid instants.', 'window');
  }
  const minutes = (to.getTime() - from.getTime()) / MINUTE_MS;
  if (minutes < MIN_WINDOW_MINUTES) {
    throw new InvalidArgumentError(
      `window.to must be at least ${MIN_WINDOW_MINUTES} minute after window.from; got ${minutes.toFixed(3)} minutes.`,
      'window',
    );
  }
  if (minutes > MAX_WINDOW_MINUTES) {
    throw new InvalidArgumentError(
      `window is ${Math.ceil(minutes)} minutes long; the longest allowed is ${MAX_WINDOW_MINUTES} (90 days).`,
      'window',
    );
  }
  return { from, to };
}

/** The window of equal length that ends where this one starts (the comparison base of "change"). */
export function previousWindow(window: TimeWindow): TimeWindow {
  const length = window.to.getTime() - window.from.getTime();
  return { ...window, from: new Date(window.from.getTime() - length), to: window.from };
}

export function windowMinutes(window: TimeWindow): number {
  return (window.to.getTime() - window.from.getTime()) / MINUTE_MS;
}
