import { addLocalDays, DEFAULT_TIME_ZONE, MAX_WINDOW_MINUTES, MIN_WINDOW_MINUTES } from '@pmd/domain';
import { InvalidArgumentError } from './errors.ts';
import { MINUTE_MS, previousWindow, type TimeWindow } from './windows.ts';

/** What a window's totals are compared with. */
export const COMPARISON_KINDS = ['previousPeriod', 'samePeriodLastWeek', 'custom'] as const;
export type ComparisonKind = (typeof COMPARISON_KINDS)[number];

/** A client's choice: a kind, and for `custom` its range (bounded like any window). */
export interface ComparisonInput {
  kind: ComparisonKind;
  from?: Date | null;
  to?: Date | null;
}

export const PREVIOUS_PERIOD: ComparisonInput = { kind: 'previousPeriod' };

function customRange(input: ComparisonInput, timeZone: string): TimeWindow {
  const { from, to } = input;
  if (from == null || to == null) {
    throw new InvalidArgumentError('compareTo: a CUSTOM comparison needs both from and to.', 'compareTo');
  }
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) {
    throw new InvalidArgumentError('compareTo.from and compareTo.to must be valid instants.', 'compareTo');
  }
  const minutes = (to.getTime() - from.getTime()) / MINUTE_MS;
  if (minutes < MIN_WINDOW_MINUTES) {
    throw new InvalidArgumentError(
      `compareTo.to must be at least ${MIN_WINDOW_MINUTES} minute after compareTo.from; got ${minutes.toFixed(3)} minutes.`,
      'compareTo',
    );
  }
  if (minutes > MAX_WINDOW_MINUTES) {
    throw new InvalidArgumentError(
      `compareTo is ${Math.ceil(minutes)} minutes long; the longest allowed is ${MAX_WINDOW_MINUTES} (90 days).`,
      'compareTo',
    );
  }
  return { from, to, timeZone };
}

/**
 * The window `window` is compared with. "Same period last week" moves both ends back 7 local days of the window's
 * reporting zone, so Monday 09:00–10:00 compares with the Monday before at 09:00–10:00 local time: across a DST
 * change that is 167 or 169 hours back, not 168 (which would compare with 08:00 or 10:00 local). A custom range may
 * differ in length from the window: counts then compare unequal spans, which the dashboard's label states.
 * Throws InvalidArgumentError for an incomplete or out-of-range custom range, or a range given with another kind.
 */
export function comparisonWindow(window: TimeWindow, input: ComparisonInput = PREVIOUS_PERIOD): TimeWindow {
  const timeZone = window.timeZone ?? DEFAULT_TIME_ZONE;
  if (input.kind !== 'custom' && (input.from != null || input.to != null)) {
    throw new InvalidArgumentError('compareTo: from and to belong to a CUSTOM comparison only.', 'compareTo');
  }
  const base = shifted(window, input, timeZone);
  // A window at the edge of what dates can hold (year −271821) has no earlier window: refuse, never query NaN.
  if (!(base.from.getTime() < base.to.getTime())) {
    throw new InvalidArgumentError(
      'compareTo: the comparison window falls outside the representable dates.',
      'compareTo',
    );
  }
  return base;
}

function shifted(window: TimeWindow, input: ComparisonInput, timeZone: string): TimeWindow {
  switch (input.kind) {
    case 'previousPeriod':
      return previousWindow(window);
    case 'samePeriodLastWeek':
      return { from: addLocalDays(window.from, -7, timeZone), to: addLocalDays(window.to, -7, timeZone), timeZone };
    case 'custom':
      return customRange(input, timeZone);
  }
}
