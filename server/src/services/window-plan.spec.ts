import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planWindow, type RollupGrain } from './window-plan.ts';

const t = (iso: string) => new Date(iso);

/** Every millisecond of the window is covered by exactly one level (checked on a set of probe instants). */
function levelOf(plan: ReturnType<typeof planWindow>, at: Date): string[] {
  const inRange = (from: Date, to: Date) => from <= at && at < to;
  const levels: string[] = [];
  for (const range of plan.raw) if (inRange(range.from, range.to)) levels.push('raw');
  if (inRange(plan.minuteFrom, plan.minuteTo) && !inRange(plan.hourFrom, plan.hourTo)) levels.push('minute');
  if (inRange(plan.hourFrom, plan.hourTo) && !inRange(plan.dayFrom, plan.dayTo)) levels.push('hour');
  if (inRange(plan.dayFrom, plan.dayTo)) levels.push('day');
  return levels;
}

describe('planWindow', () => {
  it('splits a 3-day window into raw edges, minutes, hours and whole days', () => {
    const plan = planWindow({ from: t('2026-11-20T22:58:30Z'), to: t('2026-11-23T01:02:15Z') });
    expect(plan.raw).toEqual([
      { from: t('2026-11-20T22:58:30Z'), to: t('2026-11-20T22:59:00Z') },
      { from: t('2026-11-23T01:02:00Z'), to: t('2026-11-23T01:02:15Z') },
    ]);
    expect([plan.minuteFrom, plan.minuteTo]).toEqual([t('2026-11-20T22:59:00Z'), t('2026-11-23T01:02:00Z')]);
    expect([plan.hourFrom, plan.hourTo]).toEqual([t('2026-11-20T23:00:00Z'), t('2026-11-23T01:00:00Z')]);
    expect([plan.dayFrom, plan.dayTo]).toEqual([t('2026-11-21T00:00:00Z'), t('2026-11-23T00:00:00Z')]);
  });

  it('reads a window inside one minute from raw events only', () => {
    const window = { from: t('2026-11-20T10:00:10Z'), to: t('2026-11-20T10:00:50Z') };
    const plan = planWindow(window);
    expect(plan.raw).toEqual([window]);
    expect(plan.minuteFrom).toEqual(plan.minuteTo);
  });

  it('never uses hour or day rows below the requested grain', () => {
    const window = { from: t('2026-11-01T00:00:00Z'), to: t('2026-11-05T00:00:00Z') };
    expect(planWindow(window, 'minute').hourFrom).toEqual(planWindow(window, 'minute').hourTo);
    const byHour = planWindow(window, 'hour');
    expect(byHour.dayFrom).toEqual(byHour.dayTo);
    expect([byHour.hourFrom, byHour.hourTo]).toEqual([window.from, window.to]);
  });

  it('covers every instant of any window by exactly one level and nothing outside it', () => {
    const base = Date.parse('2026-11-01T00:00:00Z');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 * 86_400_000 }),
        fc.integer({ min: 1, max: 5 * 86_400_000 }),
        fc.constantFrom<RollupGrain>('minute', 'hour', 'day'),
        fc.array(fc.double({ min: -0.2, max: 1.2, noNaN: true }), { minLength: 20, maxLength: 20 }),
        (offset, length, grain, probes) => {
          const window = { from: new Date(base + offset), to: new Date(base + offset + length) };
          const plan = planWindow(window, grain);
          for (const fraction of [0, ...probes]) {
            const at = new Date(window.from.getTime() + Math.floor(fraction * length));
            const inside = at >= window.from && at < window.to;
            expect(levelOf(plan, at)).toHaveLength(inside ? 1 : 0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
