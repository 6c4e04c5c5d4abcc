import { bucketBoundaries } from '@pmd/domain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  planCoverage,
  planWindow,
  edgeHulls,
  type InstantRange,
  type RollupGrain,
  type WindowPlan,
} from './window-plan.ts';

const t = (iso: string) => new Date(iso);
const LEVELS = ['raw', 'minutes', 'hours', 'days'] as const;
const UNIT = { raw: 1, minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;

/** The levels whose ranges contain `at` (exactly one inside the window, none outside). */
function levelsAt(plan: WindowPlan, at: Date): string[] {
  return LEVELS.filter((level) => plan[level].some((range) => range.from <= at && at < range.to));
}

/** Whether a bucket boundary falls strictly inside one row that a level's ranges read. */
function cutsARow(level: (typeof LEVELS)[number], ranges: InstantRange[], cut: number): boolean {
  return ranges.some(
    (range) =>
      range.from.getTime() < cut &&
      cut < range.to.getTime() &&
      (level === 'raw' ? false : (cut - range.from.getTime()) % UNIT[level] !== 0),
  );
}

describe('planWindow', () => {
  it('splits a 3-day window into raw edges, minutes, hours and whole days', () => {
    const plan = planWindow({ from: t('2026-11-20T22:58:30Z'), to: t('2026-11-23T01:02:15Z') });
    expect(plan.raw).toEqual([
      { from: t('2026-11-20T22:58:30Z'), to: t('2026-11-20T22:59:00Z') },
      { from: t('2026-11-23T01:02:00Z'), to: t('2026-11-23T01:02:15Z') },
    ]);
    expect(plan.minutes).toEqual([
      { from: t('2026-11-20T22:59:00Z'), to: t('2026-11-20T23:00:00Z') },
      { from: t('2026-11-23T01:00:00Z'), to: t('2026-11-23T01:02:00Z') },
    ]);
    expect(plan.hours).toEqual([
      { from: t('2026-11-20T23:00:00Z'), to: t('2026-11-21T00:00:00Z') },
      { from: t('2026-11-23T00:00:00Z'), to: t('2026-11-23T01:00:00Z') },
    ]);
    expect(plan.days).toEqual([{ from: t('2026-11-21T00:00:00Z'), to: t('2026-11-23T00:00:00Z') }]);
  });

  it('reads a window inside one minute from raw events only', () => {
    const window = { from: t('2026-11-20T10:00:10Z'), to: t('2026-11-20T10:00:50Z') };
    const plan = planWindow(window);
    expect(plan.raw).toEqual([window]);
    expect([plan.minutes, plan.hours, plan.days]).toEqual([[], [], []]);
  });

  it('never uses hour or day rows below the requested grain', () => {
    const window = { from: t('2026-11-01T00:00:00Z'), to: t('2026-11-05T00:00:00Z') };
    expect(planWindow(window, 'minute').hours).toEqual([]);
    const byHour = planWindow(window, 'hour');
    expect(byHour.days).toEqual([]);
    expect(byHour.hours).toEqual([window]);
  });

  it('reads Kolkata days from minutes around 18:30 UTC and hours between, never a UTC day row', () => {
    const window = { from: t('2026-11-01T18:30:00Z'), to: t('2026-11-03T18:30:00Z') };
    const plan = planWindow(window, 'day', bucketBoundaries(window.from, window.to, 'day', 'Asia/Kolkata'));
    expect(plan.days).toEqual([]);
    expect(plan.minutes).toEqual([
      { from: t('2026-11-01T18:30:00Z'), to: t('2026-11-01T19:00:00Z') },
      { from: t('2026-11-02T18:00:00Z'), to: t('2026-11-02T19:00:00Z') },
      { from: t('2026-11-03T18:00:00Z'), to: t('2026-11-03T18:30:00Z') },
    ]);
  });

  it('covers every instant of any window exactly once, and no row crosses a bucket boundary of any zone', () => {
    const base = Date.parse('2026-10-01T00:00:00Z');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 * 86_400_000 }),
        fc.integer({ min: 1, max: 5 * 86_400_000 }),
        fc.constantFrom<RollupGrain>('minute', 'hour', 'day'),
        fc.constantFrom('UTC', 'Asia/Kolkata', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu'),
        fc.array(fc.double({ min: -0.2, max: 1.2, noNaN: true }), { minLength: 20, maxLength: 20 }),
        (offset, length, grain, zone, probes) => {
          const window = { from: new Date(base + offset), to: new Date(base + offset + length) };
          const boundaries = grain === 'minute' ? [] : bucketBoundaries(window.from, window.to, grain, zone);
          const plan = planWindow(window, grain, boundaries);
          for (const fraction of [0, ...probes]) {
            const at = new Date(window.from.getTime() + Math.floor(fraction * length));
            const inside = at >= window.from && at < window.to;
            expect(levelsAt(plan, at)).toHaveLength(inside ? 1 : 0);
          }
          for (const cut of boundaries.map((b) => b.getTime())) {
            for (const level of LEVELS) expect(cutsARow(level, plan[level], cut), `${level} at ${cut}`).toBe(false);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('planCoverage', () => {
  const kept = { rawEvents: t('2026-11-25T00:00:00Z'), minuteRows: t('2026-11-20T00:00:00Z') };

  it('answers a window whose rows are all kept as it is, and every window when nothing was dropped', () => {
    const recent = { from: t('2026-11-25T10:00:15Z'), to: t('2026-11-26T11:20:07Z'), kept };
    expect(planCoverage(recent)).toEqual({
      complete: true,
      answered: { from: recent.from, to: recent.to },
      reason: null,
    });
    const old = { from: t('2026-11-01T10:00:15Z'), to: t('2026-11-02T11:20:07Z') };
    expect(planCoverage(old).complete).toBe(true);
    expect(planCoverage({ ...old, kept: { rawEvents: null, minuteRows: null } }).complete).toBe(true);
  });

  it('keeps whole hours and days before the horizons: rollups answer them', () => {
    const window = { from: t('2026-11-01T10:00:00Z'), to: t('2026-11-26T11:20:07Z'), kept };
    expect(planCoverage(window).complete).toBe(true);
    // Minute edges are fine between the two horizons.
    expect(planCoverage({ ...window, from: t('2026-11-21T10:07:00Z') }).complete).toBe(true);
  });

  it('rounds sub-minute edges before the raw horizon to whole minutes, and minute edges before the minute horizon to hours', () => {
    const window = { from: t('2026-11-21T10:07:30.5Z'), to: t('2026-11-24T23:59:59Z'), kept };
    expect(planCoverage(window)).toEqual({
      complete: false,
      answered: { from: t('2026-11-21T10:08:00Z'), to: t('2026-11-24T23:59:00Z') },
      reason:
        'Answered from 2026-11-21T10:08:00Z to 2026-11-24T23:59:00Z only: edges inside a minute need raw events, dropped before 2026-11-25T00:00:00Z (RAW_EVENTS_RETENTION_DAYS).',
    });
    const older = planCoverage({ ...window, from: t('2026-11-10T10:07:30Z') });
    expect(older.answered.from).toEqual(t('2026-11-10T11:00:00Z'));
    expect(older.reason).toContain('minute rows, trimmed before 2026-11-20T00:00:00Z (MINUTE_ROWS_RETENTION_DAYS)');
  });

  it('treats local bucket boundaries as edges: Kolkata days before the minute horizon cannot be cut from UTC hours', () => {
    const window = { from: t('2026-11-15T18:30:00Z'), to: t('2026-11-22T18:30:00Z'), timeZone: 'Asia/Kolkata', kept };
    const boundaries = bucketBoundaries(window.from, window.to, 'day', 'Asia/Kolkata');
    const coverage = planCoverage(window, 'day', boundaries);
    // 2026-11-19T18:30Z is the last boundary before the minute horizon: the answer starts at the next whole hour.
    expect(coverage.answered).toEqual({ from: t('2026-11-19T19:00:00Z'), to: window.to });
    // Minute buckets need minute rows throughout.
    expect(planCoverage({ ...window, from: t('2026-11-19T10:00:00Z') }, 'minute').answered.from).toEqual(
      t('2026-11-20T00:00:00Z'),
    );
    expect(planCoverage({ from: t('2026-11-10T10:00:00Z'), to: t('2026-11-10T12:00:00Z'), kept }, 'minute')).toEqual({
      complete: false,
      answered: { from: t('2026-11-10T12:00:00Z'), to: t('2026-11-10T12:00:00Z') },
      reason:
        'Nothing of this window could be answered: edges inside an hour (and minute buckets) need minute rows, trimmed before 2026-11-20T00:00:00Z (MINUTE_ROWS_RETENTION_DAYS).',
    });
  });

  it('never plans raw events before the raw horizon nor minute rows before the minute horizon, in any zone', () => {
    const base = Date.parse('2026-10-01T00:00:00Z');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 * 86_400_000 }),
        fc.integer({ min: 1, max: 5 * 86_400_000 }),
        fc.constantFrom<RollupGrain>('minute', 'hour', 'day'),
        fc.constantFrom('UTC', 'Asia/Kolkata', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu'),
        fc.integer({ min: 0, max: 45 }),
        fc.integer({ min: 0, max: 45 }),
        (offset, length, grain, zone, rawDay, minuteDay) => {
          const horizons = {
            rawEvents: new Date(base + rawDay * 86_400_000),
            minuteRows: new Date(base + minuteDay * 86_400_000),
          };
          const window = { from: new Date(base + offset), to: new Date(base + offset + length), kept: horizons };
          const boundaries = grain === 'minute' ? [] : bucketBoundaries(window.from, window.to, grain, zone);
          const coverage = planCoverage(window, grain, boundaries);
          const { from, to } = coverage.answered;
          expect(from >= window.from && to <= window.to && from <= to).toBe(true);
          expect(coverage.complete).toBe(
            from.getTime() === window.from.getTime() && to.getTime() === window.to.getTime(),
          );
          const plan = planWindow(coverage.answered, grain, boundaries);
          for (const range of plan.raw) expect(range.from >= horizons.rawEvents, 'raw').toBe(true);
          for (const range of plan.minutes) expect(range.from >= horizons.minuteRows, 'minutes').toBe(true);
          // Fully kept windows are answered whole.
          if (window.from >= horizons.rawEvents && window.from >= horizons.minuteRows) {
            expect(coverage.complete).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('edgeHulls', () => {
  it("gives a 7-day window's start edge and end edge a hull each, not one hull over the 8 days between", () => {
    const plan = planWindow({ from: t('2026-11-20T13:58:30.250Z'), to: t('2026-11-27T13:58:30.250Z') });
    expect(edgeHulls(plan.raw)).toEqual([
      { from: t('2026-11-20T13:58:30.250Z'), to: t('2026-11-20T13:59:00Z') },
      { from: t('2026-11-27T13:58:00Z'), to: t('2026-11-27T13:58:30.250Z') },
    ]);
    expect(edgeHulls(planWindow({ from: t('2026-11-20T13:58:30Z'), to: t('2026-11-20T14:58:00Z') }).raw)).toEqual([
      { from: t('2026-11-20T13:58:30Z'), to: t('2026-11-20T13:59:00Z') },
    ]);
    expect(edgeHulls(planWindow({ from: t('2026-11-20T13:58:00Z'), to: t('2026-11-20T14:58:00Z') }).raw)).toEqual([]);
  });

  it('covers every raw range with at most two disjoint hulls, also where local days start inside a minute', () => {
    const base = Date.parse('1971-05-01T00:00:00Z');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 * 86_400_000 }),
        fc.integer({ min: 1, max: 9 * 86_400_000 }),
        fc.constantFrom<RollupGrain>('minute', 'hour', 'day'),
        // Monrovia was −0:44:30 until 1972: its hour and day boundaries are sub-minute raw edges of their own.
        fc.constantFrom('UTC', 'Africa/Monrovia', 'Asia/Kolkata'),
        (offset, length, grain, zone) => {
          const window = { from: new Date(base + offset), to: new Date(base + offset + length) };
          const boundaries = grain === 'minute' ? [] : bucketBoundaries(window.from, window.to, grain, zone);
          const { raw } = planWindow(window, grain, boundaries);
          const hulls = edgeHulls(raw);
          expect(hulls.length).toBe(Math.min(raw.length, 2));
          for (const range of raw) {
            expect(hulls.filter((hull) => hull.from <= range.from && range.to <= hull.to)).toHaveLength(1);
          }
          if (hulls.length === 2) expect(hulls[0]!.to < hulls[1]!.from).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
