import { describe, expect, it } from 'vitest';
import { defaultRuleSettings } from '../alert-rules.ts';
import { ZERO_SUMS } from '../kpi.ts';
import { backtestHistoryStart, backtestRule, type BacktestSeries } from './backtest.ts';
import { decideTransition } from './transitions.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-20T00:00:00Z');

/** Steady per-minute traffic with exact counts: `ctrAt(minute index)` clicks per 1,000 impressions. */
function series(campaignId: string, minutes: number, ctrAt: (i: number) => number, start = T0): BacktestSeries {
  return {
    campaignId,
    channel: 'meta',
    minutes: Array.from({ length: minutes }, (_, i) => ({
      minute: start + i * MINUTE,
      sums: { ...ZERO_SUMS, impressions: 1000, clicks: Math.round(1000 * ctrAt(i)) },
    })),
  };
}

describe('decideTransition', () => {
  const anomalous = { measurable: true, anomalous: true, recovered: false };
  const normal = { measurable: true, anomalous: false, recovered: true };
  const unmeasurable = { measurable: false, anomalous: true, recovered: false };

  it('fires at once without a pending period, and pends with one', () => {
    expect(decideTransition({ kind: 'none' }, anomalous, T0, 0)).toBe('fire');
    expect(decideTransition({ kind: 'none' }, anomalous, T0, 5)).toBe('pend');
    expect(decideTransition({ kind: 'none' }, normal, T0, 0)).toBe('none');
  });

  it('promotes a pending alert once the condition held for the period, cancels it when it clears first', () => {
    const pending = { kind: 'pending', since: T0 } as const;
    expect(decideTransition(pending, anomalous, T0 + 4 * MINUTE, 5)).toBe('update');
    expect(decideTransition(pending, anomalous, T0 + 5 * MINUTE, 5)).toBe('promote');
    expect(decideTransition(pending, normal, T0 + 2 * MINUTE, 5)).toBe('cancel');
  });

  it('resolves an open alert only on recovery, and never changes a state on too little traffic', () => {
    expect(decideTransition({ kind: 'open' }, normal, T0, 0)).toBe('resolve');
    expect(decideTransition({ kind: 'open' }, anomalous, T0, 0)).toBe('update');
    for (const phase of [{ kind: 'none' }, { kind: 'open' }, { kind: 'pending', since: T0 }] as const) {
      expect(decideTransition(phase, unmeasurable, T0 + 60 * MINUTE, 5)).toBe('none');
    }
  });
});

describe('backtestRule', () => {
  // A day of 3 % CTR, then 40 minutes at 1.2 % from minute 1500, then 3 % again: each dropped minute in a 15-minute
  // window lowers its CTR by 4 % of 3 %.
  const dropped = (i: number) => (i >= 1500 && i < 1540 ? 0.012 : 0.03);
  const rule = {
    ...defaultRuleSettings('ctr_drop'),
    method: 'window' as const,
    windowMinutes: 15,
    significance: 3,
    minBaselineVolume: 200,
  };

  it('finds the one drop, when it fired and resolved, on the campaign that had it', () => {
    const from = T0 + 1440 * MINUTE;
    const to = T0 + 1680 * MINUTE;
    const start = backtestHistoryStart(rule, from);
    const offset = (start - T0) / MINUTE;
    const data = [
      series('dropping', 1680 - offset, (i) => dropped(i + offset), start),
      series('steady', 1680 - offset, () => 0.03, start),
    ];
    const result = backtestRule(rule, data, from, to);
    expect(result).toMatchObject({ ticks: 240, keys: 2, fired: 1, truncated: false });
    const [episode] = result.episodes;
    expect(episode).toMatchObject({ campaignId: 'dropping', channel: 'meta', pendingAt: null });
    // 30 % lower needs 8 dropped minutes in the window (−32 %; 7 give −28 %). Recovery (a drop milder than 15 %) comes
    // with 4 left (−14.7 % against a baseline that by then holds 36 dropped minutes; 5 left give −18.8 %).
    expect(episode!.firedAt).toBe(T0 + 1508 * MINUTE);
    expect(episode!.resolvedAt).toBe(T0 + 1551 * MINUTE);
    expect(episode!.worstValue).toBeCloseTo(0.012, 9);
    expect(episode!.baselineValue).toBeGreaterThan(0.029);
  });

  it('waits out a pending period, and a shorter drop than the period never fires', () => {
    const from = T0 + 1440 * MINUTE;
    const start = backtestHistoryStart(rule, from);
    const offset = (start - T0) / MINUTE;
    const data = [series('dropping', 1680 - offset, (i) => dropped(i + offset), start)];
    const held = backtestRule({ ...rule, pendingMinutes: 10 }, data, from, T0 + 1680 * MINUTE);
    expect(held.episodes[0]).toMatchObject({ pendingAt: T0 + 1508 * MINUTE, firedAt: T0 + 1518 * MINUTE });
    // The condition holds from minute 1508 to 1547: 40 minutes.
    const tooLong = backtestRule({ ...rule, pendingMinutes: 60 }, data, from, T0 + 1680 * MINUTE);
    expect(tooLong.fired).toBe(0);
  });

  it('reports an alert still open at the end, and truncates the list but not the count', () => {
    const from = T0 + 1440 * MINUTE;
    const start = backtestHistoryStart(rule, from);
    const offset = (start - T0) / MINUTE;
    const data = Array.from({ length: 3 }, (_, k) => series(`c${k}`, 1520 - offset, (i) => dropped(i + offset), start));
    const result = backtestRule(rule, data, from, T0 + 1520 * MINUTE, 2);
    expect(result.fired).toBe(3);
    expect(result.episodes).toHaveLength(2);
    expect(result.truncated).toBe(true);
    expect(result.episodes.every((e) => e.resolvedAt === null)).toBe(true);
  });

  it('fires a CUSUM rule once per drop: after it resolves, the finished drop in the lookback is not evidence again', () => {
    // 300 impressions a minute at 3 % (9 clicks), 30 minutes at 5 clicks (−44 %), then 3 % again.
    const cusum = defaultRuleSettings('ctr_drop');
    const from = T0 + 1440 * MINUTE;
    const start = backtestHistoryStart(cusum, from);
    const minutes = (from - start) / MINUTE + 180;
    const data: BacktestSeries = {
      campaignId: 'dropping',
      channel: 'meta',
      minutes: Array.from({ length: minutes }, (_, i) => {
        const minute = start + i * MINUTE;
        const dropped = minute >= from + 30 * MINUTE && minute < from + 60 * MINUTE;
        return { minute, sums: { ...ZERO_SUMS, impressions: 300, clicks: dropped ? 5 : 9 } };
      }),
    };
    const result = backtestRule(cusum, [data], from, from + 180 * MINUTE);
    expect(result.fired).toBe(1);
    const [episode] = result.episodes;
    expect(episode!.firedAt).toBeGreaterThan(from + 30 * MINUTE);
    expect(episode!.firedAt).toBeLessThan(from + 60 * MINUTE);
    expect(episode!.resolvedAt).toBeGreaterThan(from + 60 * MINUTE);
  });
});
