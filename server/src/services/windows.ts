import { MAX_WINDOW_MINUTES, MIN_WINDOW_MINUTES } from '@pmd/domain';
import { InvalidArgumentError } from './errors.ts';

// The window limits are the domain's (the dashboard checks the same ones); re-exported for the schema's descriptions.
export { MAX_WINDOW_MINUTES, MIN_WINDOW_MINUTES };

/** A half-open time range [from, to). */
export interface TimeWindow {
  from: Date;
  to: Date;
}

/** What a client asks for: the last N minutes ending now, or an explicit from (and optional to, default now). */
export interface WindowInput {
  lastMinutes?: number | null;
  from?: Date | null;
  to?: Date | null;
}

export const MINUTE_MS = 60_000;

/** Resolves a window input against `now`; throws InvalidArgumentError for anything ambiguous or out of range. */
export function resolveWindow(input: WindowInput, now: Date = new Date()): TimeWindow {
  const hasRange = input.from != null || input.to != null;
  if (input.lastMinutes != null) {
    if (hasRange) throw new InvalidArgumentError('window: give either lastMinutes or from/to, not both.', 'window');
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
    throw new InvalidArgumentError('window needs lastMinutes, or from (and optionally to, default now).', 'window');
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
  return { from: new Date(window.from.getTime() - length), to: window.from };
}

export function windowMinutes(window: TimeWindow): number {
  return (window.to.getTime() - window.from.getTime()) / MINUTE_MS;
}
