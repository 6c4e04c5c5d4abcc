import type { TimeWindow } from './windows.ts';

/** The coarsest rollup a read may use: time series at minute grain must not fold minutes into hours, and so on. */
export type RollupGrain = 'minute' | 'hour' | 'day';

/** A half-open range [from, to) of instants. */
export interface InstantRange {
  from: Date;
  to: Date;
}

/**
 * Which rows of which storage level a window sum reads: disjoint half-open ranges per level, together covering the
 * window exactly once. Raw events only for sub-minute edges, minute rows up to whole UTC hours, hour rows up to whole
 * UTC days, day rows (UTC midnights) in the middle.
 */
export interface WindowPlan {
  raw: InstantRange[];
  minutes: InstantRange[];
  hours: InstantRange[];
  days: InstantRange[];
}

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

const ceilTo = (ms: number, unit: number) => Math.ceil(ms / unit) * unit;
const floorTo = (ms: number, unit: number) => Math.floor(ms / unit) * unit;

/** Appends [from, to) to `ranges`, extending the last range when they touch (fewer ranges, same rows). */
function append(ranges: InstantRange[], from: number, to: number) {
  if (from >= to) return;
  const last = ranges.at(-1);
  if (last && last.to.getTime() === from) last.to = new Date(to);
  else ranges.push({ from: new Date(from), to: new Date(to) });
}

/** Splits [from, to) over the levels, using rows no coarser than `coarsest`. */
function planSegment(plan: WindowPlan, from: number, to: number, coarsest: RollupGrain) {
  const [minuteFrom, minuteTo] = [ceilTo(from, UNIT_MS.minute), floorTo(to, UNIT_MS.minute)];
  if (minuteFrom >= minuteTo) return append(plan.raw, from, to);
  append(plan.raw, from, minuteFrom);
  const [hourFrom, hourTo] = [ceilTo(minuteFrom, UNIT_MS.hour), floorTo(minuteTo, UNIT_MS.hour)];
  if (coarsest === 'minute' || hourFrom >= hourTo) {
    append(plan.minutes, minuteFrom, minuteTo);
  } else {
    append(plan.minutes, minuteFrom, hourFrom);
    const [dayFrom, dayTo] = [ceilTo(hourFrom, UNIT_MS.day), floorTo(hourTo, UNIT_MS.day)];
    if (coarsest === 'hour' || dayFrom >= dayTo) {
      append(plan.hours, hourFrom, hourTo);
    } else {
      append(plan.hours, hourFrom, dayFrom);
      append(plan.days, dayFrom, dayTo);
      append(plan.hours, dayTo, hourTo);
    }
    append(plan.minutes, hourTo, minuteTo);
  }
  append(plan.raw, minuteTo, to);
}

/**
 * Plans a window sum. With bucket `boundaries` (sorted instants enclosing the window), every row read lies inside one
 * bucket: the window is planned bucket by bucket, so a UTC hour row is read only when no local bucket boundary cuts
 * it (in Asia/Kolkata every local hour cuts two UTC hours, so hours come from minute rows; its days from minute rows
 * around 18:30 UTC and hour rows between).
 */
export function planWindow(
  window: TimeWindow,
  coarsest: RollupGrain = 'day',
  boundaries: readonly Date[] = [],
): WindowPlan {
  const plan: WindowPlan = { raw: [], minutes: [], hours: [], days: [] };
  const from = window.from.getTime();
  const to = window.to.getTime();
  const cuts = boundaries.map((b) => b.getTime()).filter((t) => t > from && t < to);
  let start = from;
  for (const cut of [...cuts, to]) {
    planSegment(plan, start, cut, coarsest);
    start = cut;
  }
  return plan;
}
