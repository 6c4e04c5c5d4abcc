import { bucketBoundaries } from '@pmd/domain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planWindow, type InstantRange, type RollupGrain, type WindowPlan } from './window-plan.ts';

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
