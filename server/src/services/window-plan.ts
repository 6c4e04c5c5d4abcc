import type { TimeWindow } from './windows.ts';

/** The coarsest rollup a read may use: time series at minute grain must not fold minutes into hours, and so on. */
export type RollupGrain = 'minute' | 'hour' | 'day';

/**
 * How a window [from, to) splits over the storage levels: raw events only for the sub-minute edges, minute rows
 * between the edges and the first/last whole hour, hour rows between those and the first/last whole UTC day, day
 * rows in the middle. Ranges are half-open; an empty range has start = end.
 */
export interface WindowPlan {
  /** Sub-minute edges read from raw_events (0, 1 or 2 ranges). */
  raw: TimeWindow[];
  /** Whole minutes [minuteFrom, minuteTo); minute rows are read outside [hourFrom, hourTo). */
  minuteFrom: Date;
  minuteTo: Date;
  /** Whole hours [hourFrom, hourTo); hour rows are read outside [dayFrom, dayTo). */
  hourFrom: Date;
  hourTo: Date;
  /** Whole UTC days [dayFrom, dayTo). */
  dayFrom: Date;
  dayTo: Date;
}

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

function floorTo(date: Date, unitMs: number): Date {
  return new Date(Math.floor(date.getTime() / unitMs) * unitMs);
}

function ceilTo(date: Date, unitMs: number): Date {
  return new Date(Math.ceil(date.getTime() / unitMs) * unitMs);
}

/** Whole `unitMs` buckets inside [from, to), or an empty range at `to` when there are none. */
function wholeBuckets(from: Date, to: Date, unitMs: number): [Date, Date] {
  const start = ceilTo(from, unitMs);
  const end = floorTo(to, unitMs);
  return start < end ? [start, end] : [to, to];
}

export function planWindow(window: TimeWindow, coarsest: RollupGrain = 'day'): WindowPlan {
  const [minuteFrom, minuteTo] = wholeBuckets(window.from, window.to, UNIT_MS.minute);
  const raw =
    minuteFrom.getTime() === minuteTo.getTime()
      ? [window]
      : [
          { from: window.from, to: minuteFrom },
          { from: minuteTo, to: window.to },
        ].filter((range) => range.from < range.to);
  const [hourFrom, hourTo] =
    coarsest === 'minute' ? [minuteTo, minuteTo] : wholeBuckets(minuteFrom, minuteTo, UNIT_MS.hour);
  const [dayFrom, dayTo] = coarsest === 'day' ? wholeBuckets(hourFrom, hourTo, UNIT_MS.day) : [hourTo, hourTo];
  return { raw, minuteFrom, minuteTo, hourFrom, hourTo, dayFrom, dayTo };
}
