import { describe, expect, it } from 'vitest';
import { defaultRuleSettings, validateAlertRule } from '../alert-rules.ts';
import { ZERO_SUMS } from '../kpi.ts';
import { pacingWindows } from '../pacing.ts';
import { backtestTargetRule, targetHistoryStart, type TargetSeries } from './backtest.ts';
import { type CampaignTargets, campaignTarget, evaluateTarget, pacingSpend } from './target.ts';

const MINUTE = 60_000;
const TICK = Date.parse('2026-07-08T12:00:00Z');
const TARGETS: CampaignTargets = { status: 'active', dailyBudget: 1000, targetCpa: 10, targetRoas: 3 };
const window = (spend: number, activations: number, revenue = 0) =>
  ({ kind: 'window', sums: { ...ZERO_SUMS, spend, activations, revenue } }) as const;
const pacing = (spendToday: number, elapsedShare = 0.5, before = 0, total = 0) =>
  ({
    kind: 'pacing',
    spend: { spendToday, elapsedShare, historySpendBefore: before, historySpendTotal: total },
    dayStart: TICK - 12 * 60 * MINUTE,
  }) as const;

describe('evaluateTarget', () => {
  const overspend = defaultRuleSettings('projected_overspend'); // fires above 110 %, resolves at ≤ 105 %
  const cpa = defaultRuleSettings('cpa_above_target'); // fires above 12, resolves at ≤ 11
  const roas = defaultRuleSettings('roas_below_target'); // fires below 2.4, resolves at ≥ 2.7

  it('projects overspend from the same-weekday history, else the elapsed share', () => {
    // Half the day gone and 600 spent: a straight line projects 1,200 (fires); history that had spent 75 % by now
    // projects 800 (recovered).
    const straight = evaluateTarget(overspend, TARGETS, pacing(600), TICK);
    expect(straight).toMatchObject({ current: 1200, baseline: 1000, measurable: true, anomalous: true });
    expect(straight.threshold).toBeCloseTo(1100, 9);
    expect(straight.change).toBeCloseTo(0.2, 9);
    expect(straight.windowStart).toBe(TICK - 12 * 60 * MINUTE);
    const shaped = evaluateTarget(overspend, TARGETS, pacing(600, 0.5, 3000, 4000), TICK);
    expect(shaped).toMatchObject({ current: 800, anomalous: false, recovered: true });
    // Between the two lines: neither fires nor resolves.
    expect(evaluateTarget(overspend, TARGETS, pacing(540), TICK)).toMatchObject({ anomalous: false, recovered: false });
  });

  it('judges CPA on enough spend, a spend without activations as a CPA of the whole spend', () => {
    expect(evaluateTarget(cpa, TARGETS, window(130, 10), TICK)).toMatchObject({ current: 13, anomalous: true });
    expect(evaluateTarget(cpa, TARGETS, window(12, 0), TICK)).toMatchObject({ current: 12, anomalous: false });
    expect(evaluateTarget(cpa, TARGETS, window(12.5, 0), TICK)).toMatchObject({ current: 12.5, anomalous: true });
    expect(evaluateTarget(cpa, TARGETS, window(110, 10), TICK)).toMatchObject({ anomalous: false, recovered: true });
    expect(evaluateTarget(cpa, TARGETS, window(115, 10), TICK)).toMatchObject({ anomalous: false, recovered: false });
    const quiet = evaluateTarget({ ...cpa, minVolume: 50 }, TARGETS, window(40, 0), TICK);
    expect(quiet).toMatchObject({ measurable: false, anomalous: false, recovered: false });
    expect(evaluateTarget(cpa, TARGETS, window(1, 0), TICK).windowStart).toBe(TICK - 1440 * MINUTE);
  });

  it('judges ROAS from below', () => {
    const low = evaluateTarget(roas, TARGETS, window(100, 5, 200), TICK);
    expect(low).toMatchObject({ current: 2, baseline: 3, anomalous: true, recovered: false });
    expect(low.threshold).toBeCloseTo(2.4, 9);
    expect(evaluateTarget(roas, TARGETS, window(100, 5, 250), TICK)).toMatchObject({
      anomalous: false,
      recovered: false,
    });
    expect(evaluateTarget(roas, TARGETS, window(100, 5, 270), TICK)).toMatchObject({ recovered: true });
    expect(evaluateTarget(roas, TARGETS, window(0.5, 0, 0), TICK).measurable).toBe(false);
  });

  it('judges only active campaigns that set the target; the others recover, so their alerts close', () => {
    expect(campaignTarget(cpa, { ...TARGETS, targetCpa: null })).toBeNull();
    expect(campaignTarget(cpa, { ...TARGETS, status: 'paused' })).toBeNull();
    expect(campaignTarget(roas, TARGETS)).toBe(3);
    const unset = evaluateTarget(cpa, { ...TARGETS, targetCpa: null }, window(1000, 0), TICK);
    expect(unset).toMatchObject({ measurable: true, anomalous: false, recovered: true, baseline: 0 });
    const ended = evaluateTarget(overspend, { ...TARGETS, status: 'ended' }, pacing(5000), TICK);
    expect(ended).toMatchObject({ anomalous: false, recovered: true });
  });

  it('refuses sums of the wrong kind and a channel scope', () => {
    expect(() => evaluateTarget(cpa, TARGETS, pacing(1), TICK)).toThrow(/window/);
    expect(() => evaluateTarget(overspend, TARGETS, window(1, 1), TICK)).toThrow(/pacing/);
    expect(validateAlertRule(cpa)).toEqual([]);
    expect(validateAlertRule({ ...cpa, scope: 'channel', scopeValue: 'meta' }).map((i) => i.field)).toEqual(['scope']);
    expect(validateAlertRule({ ...cpa, method: 'window' }).map((i) => i.field)).toEqual(['method']);
    expect(validateAlertRule({ ...roas, minRelativeChange: 1 }).map((i) => i.field)).toContain('minRelativeChange');
  });
});

describe('pacingSpend', () => {
  it('sums today and each history day, before the same elapsed time and whole', () => {
    const windows = pacingWindows(new Date('2026-07-08T10:00:00Z'), 'Asia/Kolkata'); // 15:30 local
    const seen: string[] = [];
    const spend = pacingSpend(windows, (range) => {
      seen.push(`${range.from.toISOString()}..${range.to.toISOString()}`);
      return (range.to.getTime() - range.from.getTime()) / 3_600_000;
    });
    expect(spend.spendToday).toBeCloseTo(15.5, 9);
    expect(spend.historySpendBefore).toBeCloseTo(4 * 15.5, 9);
    expect(spend.historySpendTotal).toBeCloseTo(4 * 24, 9);
    expect(spend.elapsedShare).toBeCloseTo(15.5 / 24, 9);
    expect(seen[0]).toBe('2026-06-30T18:30:00.000Z..2026-07-01T10:00:00.000Z');
  });
});

describe('backtestTargetRule', () => {
  const rule = { ...defaultRuleSettings('cpa_above_target'), windowMinutes: 60 };

  it('fires and resolves once per stretch above target, on the all-channels key, with the current targets', () => {
    // 1 spend a minute; an activation every 5 minutes (CPA 5) except for 2 hours without any (CPA → 60).
    const from = TICK;
    const to = TICK + 8 * 60 * MINUTE;
    const start = targetHistoryStart(rule, from, 'UTC');
    expect(start).toBe(from - 60 * MINUTE);
    const minutes = Array.from({ length: (to - start) / MINUTE }, (_, i) => {
      const minute = start + i * MINUTE;
      const dry = minute >= TICK + 2 * 3_600_000 && minute < TICK + 4 * 3_600_000;
      return { minute, sums: { ...ZERO_SUMS, spend: 1, activations: !dry && i % 5 === 0 ? 1 : 0 } };
    });
    const series: TargetSeries[] = [
      { campaignId: 'spender', targets: TARGETS, minutes },
      { campaignId: 'no-target', targets: { ...TARGETS, targetCpa: null }, minutes },
    ];
    const result = backtestTargetRule(rule, series, from, to, 'UTC');
    expect(result).toMatchObject({ ticks: 480, keys: 2, fired: 1 });
    const [episode] = result.episodes;
    expect(episode).toMatchObject({ campaignId: 'spender', channel: '*', baselineValue: 10 });
    // 60 spent in every 60-minute window; activations at minutes 0, 5, … of the series, none in minutes 180–299. It
    // fires at 4 activations (CPA 15 > 12): the window [156, 216) holds 160…175. It resolves at 6 (CPA 10 ≤ 11): the
    // window [266, 326) holds 300…325. Worst: a window with no activation, CPA = the whole spend.
    expect(episode!.firedAt).toBe(start + 216 * MINUTE);
    expect(episode!.resolvedAt).toBe(start + 326 * MINUTE);
    expect(episode!.firedValue).toBe(15);
    expect(episode!.worstValue).toBe(60);
  });
});
