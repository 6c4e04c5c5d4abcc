import type { KeptRows } from '@pmd/domain';
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

/**
 * Which part of a window its rows can still answer exactly. Retention drops raw events before `kept.rawEvents` and
 * trims minute rows before `kept.minuteRows` (both UTC midnights); hour and day rows are kept. An edge (the window's
 * ends, and local bucket boundaries, which cut rows too) needs raw events when it is not on a whole minute, and minute
 * rows when it is not on a whole UTC hour (or always, when `coarsest` is minute). An edge whose rows are gone is moved
 * inward to the nearest edge whose rows exist: the start forward, the end back; a bucket boundary that cannot be cut
 * moves the start past it. The sum is then exact for `answered`, which `planWindow` plans instead of the window.
 */
export interface WindowCoverage {
  /** True when the whole window is answered. */
  complete: boolean;
  /** The range actually summed: the window itself when complete (empty, from = to, when nothing could be). */
  answered: InstantRange;
  /** Why the window was cut, naming what is gone from when and the setting; null when complete. */
  reason: string | null;
}

type Missing = 'raw' | 'minutes';

/** What `side` of an edge at `t` needs and retention removed (empty when its rows exist). */
function missingAt(t: number, side: 'start' | 'end', coarsest: RollupGrain, kept: KeptRows): Missing[] {
  const missing: Missing[] = [];
  const rawFrom = kept.rawEvents?.getTime();
  const minutesFrom = kept.minuteRows?.getTime();
  if (t % UNIT_MS.minute !== 0 && rawFrom !== undefined && t < rawFrom) missing.push('raw');
  const wholeMinute = side === 'start' ? ceilTo(t, UNIT_MS.minute) : floorTo(t, UNIT_MS.minute);
  const needsMinutes = coarsest === 'minute' || wholeMinute % UNIT_MS.hour !== 0;
  if (needsMinutes && minutesFrom !== undefined && t < minutesFrom) missing.push('minutes');
  return missing;
}

const MISSING_REASON: Record<Missing, (kept: KeptRows) => string> = {
  raw: (kept) =>
    `edges inside a minute need raw events, dropped before ${iso(kept.rawEvents!)} (RAW_EVENTS_RETENTION_DAYS)`,
  minutes: (kept) =>
    `edges inside an hour (and minute buckets) need minute rows, trimmed before ${iso(kept.minuteRows!)} (MINUTE_ROWS_RETENTION_DAYS)`,
};

const iso = (instant: Date | number) => new Date(instant).toISOString().replace('.000Z', 'Z');

/** Plans which part of `window` is answered exactly (see WindowCoverage); `boundaries` as for planWindow. */
export function planCoverage(
  window: TimeWindow,
  coarsest: RollupGrain = 'day',
  boundaries: readonly Date[] = [],
): WindowCoverage {
  const whole: WindowCoverage = {
    complete: true,
    answered: { from: window.from, to: window.to },
    reason: null,
  };
  const kept = window.kept;
  if (!kept || (!kept.rawEvents && !kept.minuteRows)) return whole;
  const missing = new Set<Missing>();
  const check = (t: number, side: 'start' | 'end') => {
    const gone = missingAt(t, side, coarsest, kept);
    for (const level of gone) missing.add(level);
    return gone.length === 0;
  };
  // Candidates in order: the edge itself, then whole minutes, hours, days, and the horizons themselves.
  const horizons = [kept.rawEvents, kept.minuteRows].filter((h): h is Date => h !== null).map((h) => h.getTime());
  const forward = (t: number) =>
    [t, ceilTo(t, UNIT_MS.minute), ceilTo(t, UNIT_MS.hour), ceilTo(t, UNIT_MS.day), ...horizons.filter((h) => h > t)]
      .sort((a, b) => a - b)
      .find((c) => (c === t ? check(c, 'start') : missingAt(c, 'start', coarsest, kept).length === 0))!;
  const backward = (t: number) =>
    [t, floorTo(t, UNIT_MS.minute), floorTo(t, UNIT_MS.hour), floorTo(t, UNIT_MS.day)]
      .sort((a, b) => b - a)
      .find((c) => (c === t ? check(c, 'end') : missingAt(c, 'end', coarsest, kept).length === 0));
  let from = forward(window.from.getTime());
  const to = backward(window.to.getTime()) ?? Number.NEGATIVE_INFINITY;
  for (const cut of boundaries.map((b) => b.getTime())) {
    if (cut <= from || cut >= to) continue;
    const startOk = check(cut, 'start');
    const endOk = check(cut, 'end');
    if (!startOk || !endOk) from = forward(cut);
  }
  if (from === window.from.getTime() && to === window.to.getTime()) return whole;
  const answered = from < to ? { from: new Date(from), to: new Date(to) } : { from: window.to, to: window.to };
  const what =
    from < to
      ? `Answered from ${iso(answered.from)} to ${iso(answered.to)} only`
      : 'Nothing of this window could be answered';
  return {
    complete: false,
    answered,
    reason: `${what}: ${[...missing].map((m) => MISSING_REASON[m](kept)).join('; ')}.`,
  };
}

/**
 * One level's ranges (sorted, disjoint, as planWindow gives them: the raw ranges, the minute ranges) covered by at
 * most two hulls: split at the widest gap between neighbours, so a window's start edge and end edge each get their own
 * hull (one range: one hull; none: none). Local bucket boundaries that are not whole minutes (Africa/Monrovia's
 * −0:44:30 before 1972) add raw ranges in between, and those that are not whole hours minute ranges; each joins the
 * hull of its side, so the hulls still cover every range.
 */
export function edgeHulls(ranges: readonly InstantRange[]): InstantRange[] {
  if (ranges.length <= 1) return ranges.map((range) => ({ ...range }));
  const gapBefore = (i: number) => ranges[i]!.from.getTime() - ranges[i - 1]!.to.getTime();
  let split = 1;
  for (let i = 2; i < ranges.length; i++) if (gapBefore(i) > gapBefore(split)) split = i;
  const hull = (part: readonly InstantRange[]) => ({ from: part[0]!.from, to: part.at(-1)!.to });
  return [hull(ranges.slice(0, split)), hull(ranges.slice(split))];
}
