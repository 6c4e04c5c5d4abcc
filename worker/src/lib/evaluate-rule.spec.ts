import {
  ALERT_METRIC_BY_NAME,
  ALERT_METRICS,
  alertMetricWatches,
  type AlertMetric,
  defaultRuleSettings,
  type DetectionRule,
  type KpiSums,
  kpiValue,
  ZERO_SUMS,
} from '@pmd/domain';
import {
  decideTransition,
  evaluateRule,
  evaluateTarget,
  type RuleHistory,
  twoProportionZ,
} from '@pmd/domain/detection';
import { binomial, seededRandom } from '@pmd/testkit';
import { describe, expect, it } from 'vitest';
import { alertMessage } from './alert-message.ts';

// The domain's evaluateRule (what the worker runs for each rule), with the cases the worker's own copy of the
// detection logic was tested with before rules became data. Here, not in domain/: @pmd/testkit depends on the domain.

/** Funnel sums with exact rates (rounded counts). */
function funnel(
  impressions: number,
  rates: { ctr: number; signup?: number; activation?: number; cpc?: number },
): KpiSums {
  const clicks = Math.round(impressions * rates.ctr);
  const signups = Math.round(clicks * (rates.signup ?? 0.1));
  const activations = Math.round(signups * (rates.activation ?? 0.55));
  const spend = clicks * (rates.cpc ?? 0.8);
  return { ...ZERO_SUMS, impressions, clicks, signups, activations, clickCost: spend, spend };
}

const TICK = Date.parse('2026-11-20T12:00:00Z');
/** The metrics judged against a baseline (target metrics judge catalog targets: domain detection/target.spec.ts). */
const BASELINE_METRICS = ALERT_METRICS.filter((metric) => ALERT_METRIC_BY_NAME[metric].kind !== 'target');
const MINUTE = 60_000;
// The original generator's volume for one campaign: 5 impressions/s, so 4,500 in 15 minutes and 432,000 in 24 h.
const BASELINE = funnel(432_000, { ctr: 0.028 });

/** The metric's default rule judged by the 15-minute window against the 24 h before it (the first version's method). */
const windowRule = (metric: AlertMetric): DetectionRule => ({
  ...defaultRuleSettings(metric),
  method: 'window',
  windowMinutes: 15,
  baseline: 'trailing',
  baselineHours: 24,
  significance: 3,
  minBaselineVolume: 200,
});

/** A window of 15 minutes holding `window` (all in its last minute: the window method sums them). */
const windowHistory = (window: KpiSums, baseline = BASELINE): RuleHistory => ({
  baseline,
  minutes: [{ minute: TICK - MINUTE, sums: window }],
});
const judge = (metric: AlertMetric, window: KpiSums, baseline = BASELINE, open = false) =>
  evaluateRule(windowRule(metric), windowHistory(window, baseline), TICK, open);
const transition = (evaluation: ReturnType<typeof judge>, open: boolean) =>
  decideTransition(open ? { kind: 'open' } : { kind: 'none' }, evaluation, TICK, 0);

describe('twoProportionZ', () => {
  it('is negative for a drop, 0 for equal rates and for empty samples', () => {
    expect(twoProportionZ(69, 4500, 12_096, 432_000)).toBeCloseTo(-5.1, 1);
    expect(twoProportionZ(28, 1000, 2800, 100_000)).toBeCloseTo(0, 10);
    expect(twoProportionZ(0, 0, 5, 10)).toBe(0);
  });
});

describe('evaluateRule, window method', () => {
  it('fires a 45 % CTR drop at realistic volume, with threshold and values', () => {
    const ctr = judge('ctr_drop', funnel(4500, { ctr: 0.028 * 0.55 }));
    expect(ctr.anomalous).toBe(true);
    expect(ctr.change).toBeCloseTo(-0.45, 2);
    expect(ctr.z!).toBeLessThan(-3);
    expect(ctr.baseline).toBeCloseTo(0.028, 6);
    expect(ctr.threshold).toBeCloseTo(0.028 * 0.7, 6);
    expect(ctr).toMatchObject({ windowStart: TICK - 15 * MINUTE, baselineEnd: TICK - 15 * MINUTE });
    expect(transition(ctr, false)).toBe('fire');
  });

  it('does not fire the same drop on tiny volume', () => {
    const ctr = judge('ctr_drop', funnel(150, { ctr: 0.028 * 0.55 }));
    expect(ctr.measurable).toBe(false);
    expect(ctr.anomalous).toBe(false);
    expect(transition(ctr, false)).toBe('none');
    expect(transition(ctr, true)).toBe('none');
  });

  it('does not fire a large drop that is not significant', () => {
    // 200 clicks window with click→signup 0.1 → 0.065: a 35 % drop but z ≈ −1.6.
    const signup = judge('click_to_signup_drop', { ...ZERO_SUMS, impressions: 7000, clicks: 200, signups: 13 });
    expect(signup.change).toBeLessThan(-0.3);
    expect(signup.anomalous).toBe(false);
  });

  it('detects conversion drops and cost spikes, each from its registry value', () => {
    const window = funnel(450_000, { ctr: 0.028, signup: 0.05, activation: 0.3, cpc: 1.2 });
    const evaluations = BASELINE_METRICS.map((metric) => judge(metric, window));
    expect(evaluations.filter((e) => e.anomalous).map((e) => e.metric)).toEqual([
      'click_to_signup_drop',
      'signup_to_activation_drop',
      'cpc_spike',
      'cpm_spike',
      'cost_per_signup_spike',
    ]);
    // Cost per activation rose 5× too, but on 189 activations: below the rule's minVolume (200 units).
    expect(evaluations.find((e) => e.metric === 'cost_per_activation_spike')).toMatchObject({
      change: expect.closeTo(4.5, 0),
      measurable: false,
    });
    expect(evaluations.find((e) => e.metric === 'cpc_spike')!.threshold).toBeCloseTo(0.8 * 1.3, 6);
  });

  it('values are the registry metric the alert metric watches: a KPI, or a volume per minute', () => {
    const window = funnel(4500, { ctr: 0.021, signup: 0.07, activation: 0.4, cpc: 1.1 });
    for (const metric of BASELINE_METRICS) {
      const evaluation = judge(metric, window);
      const watched = alertMetricWatches(metric);
      if (watched in BASELINE) {
        const counter = watched as keyof KpiSums;
        expect(evaluation.current).toBeCloseTo(window[counter] / 15, 9);
        expect(evaluation.baseline).toBeCloseTo(BASELINE[counter] / (24 * 60), 9);
      } else {
        expect(evaluation.current).toBe(kpiValue(watched as Parameters<typeof kpiValue>[0], window));
        expect(evaluation.baseline).toBe(kpiValue(watched as Parameters<typeof kpiValue>[0], BASELINE));
      }
    }
  });

  it('resolves only past the hysteresis level', () => {
    const stillLow = judge('ctr_drop', funnel(4500, { ctr: 0.028 * 0.8 }), BASELINE, true);
    expect(stillLow.anomalous).toBe(false);
    expect(transition(stillLow, true)).toBe('update');
    const recovered = judge('ctr_drop', funnel(4500, { ctr: 0.028 * 0.9 }), BASELINE, true);
    expect(transition(recovered, true)).toBe('resolve');
  });

  it('fires a volume drop ("delivery stopped") against the per-minute rate the baseline predicts', () => {
    const stopped = judge('impressions_drop', ZERO_SUMS);
    expect(stopped).toMatchObject({ current: 0, baseline: 300, change: -1, anomalous: true });
    expect(alertMessage('camp', 'meta', stopped, 'fire')).toBe(
      'Impressions dropped 100% for camp (meta): 0.0/min vs baseline 300.0/min',
    );
    // The same drop where the baseline predicts too few impressions to tell (minVolume is the expected count).
    const thin = judge('impressions_drop', ZERO_SUMS, funnel(2 * 24 * 60, { ctr: 0.028 }));
    expect(thin).toMatchObject({ measurable: false, anomalous: false });
  });

  it('raises fewer than 1 % false alerts over 500 campaign windows without a drop', () => {
    const random = seededRandom(7);
    const rates = { ctr: 0.03, signup: 0.1, activation: 0.55 };
    let falseAlerts = 0;
    let judged = 0;
    for (let i = 0; i < 500; i++) {
      const sample = (impressions: number): KpiSums => {
        const clicks = binomial(random, impressions, rates.ctr);
        const signups = binomial(random, clicks, rates.signup);
        const activations = binomial(random, signups, rates.activation);
        const spend = clicks * 0.8;
        return { ...ZERO_SUMS, impressions, clicks, signups, activations, clickCost: spend, spend };
      };
      // Volumes from 1/10 to 3× the original generator's, so every metric is sometimes measurable.
      const perMinute = 30 + Math.floor(random() * 900);
      const window = sample(perMinute * 15);
      const baseline = sample(perMinute * 24 * 60);
      // Not cpm_spike: when spend follows clicks, spend per impression carries the CTR's noise, and its default
      // minVolume (200 impressions) lets that noise through (7 of these 500 windows fire it).
      const evaluations = BASELINE_METRICS.filter((m) => m !== 'cpm_spike').map((m) => judge(m, window, baseline));
      if (evaluations.some((e) => e.anomalous)) falseAlerts++;
      if (evaluations.some((e) => e.measurable)) judged++;
    }
    expect(judged).toBe(500);
    expect(falseAlerts).toBeLessThan(5);
  });
});

describe('alertMessage', () => {
  it('reads like the original, from this run only', () => {
    const ctr = judge('ctr_drop', funnel(4500, { ctr: 0.028 * 0.55 }));
    expect(alertMessage('camp_meta_prospecting', 'meta', ctr, 'fire')).toBe(
      'CTR dropped 45% for camp_meta_prospecting (meta): 1.53% vs baseline 2.80%, z=-5.1',
    );
    expect(alertMessage('camp_meta_prospecting', 'meta', ctr, 'resolve')).toMatch(
      /^CTR recovered for camp_meta_prospecting/,
    );
    expect(alertMessage('c', 'meta', ctr, 'cancel')).toMatch(/^CTR back within bounds before firing for c \(meta\)/);
    const cpc = judge('cpc_spike', funnel(4500, { ctr: 0.028, cpc: 1.2 }));
    expect(alertMessage('c', 'google', cpc, 'fire')).toBe(
      'Average CPC (spend / clicks) rose 50% for c (google): 1.20 vs baseline 0.80',
    );
  });

  it('says a target alert against the target, over all channels, and why it closes', () => {
    const targets = { status: 'active', dailyBudget: 1000, targetCpa: 10, targetRoas: 3 } as const;
    const sums = (spend: number, revenue: number) => ({ ...ZERO_SUMS, spend, activations: 10, revenue });
    const roas = evaluateTarget(
      defaultRuleSettings('roas_below_target'),
      targets,
      { kind: 'window', sums: sums(100, 180) },
      TICK,
    );
    expect(alertMessage('c', '*', roas, 'fire')).toBe(
      'ROAS (revenue / spend) 40% below target ROAS for c (all channels): 1.80× vs target ROAS 3.00×',
    );
    const pacing = { spendToday: 625, elapsedShare: 0.5, historySpendBefore: 0, historySpendTotal: 0 };
    const overspend = defaultRuleSettings('projected_overspend');
    const projected = evaluateTarget(overspend, targets, { kind: 'pacing', spend: pacing, dayStart: TICK }, TICK);
    expect(alertMessage('c', '*', projected, 'pend')).toBe(
      'Projected spend today 25% above daily budget for c (all channels): 1250.00 vs daily budget 1000.00',
    );
    const cpa = evaluateTarget(
      defaultRuleSettings('cpa_above_target'),
      targets,
      { kind: 'window', sums: sums(100, 0) },
      TICK,
    );
    expect(alertMessage('c', '*', cpa, 'resolve')).toBe(
      'CPA (spend / activations) back within target CPA for c (all channels): 10.00 vs target CPA 10.00',
    );
    const paused = evaluateTarget(
      overspend,
      { ...targets, status: 'paused' },
      { kind: 'pacing', spend: pacing, dayStart: TICK },
      TICK,
    );
    expect(alertMessage('c', '*', paused, 'resolve')).toBe(
      'Projected spend today no longer judged for c (all channels): no daily budget, or the campaign is not active',
    );
  });
});

describe('evaluateRule, cusum method', () => {
  const cusum: DetectionRule = defaultRuleSettings('ctr_drop');
  /** The lookback's minutes before `tick`, each with `sums(i)` (i = 0 for the oldest). */
  const lookback = (sums: (i: number) => KpiSums) =>
    Array.from({ length: cusum.windowMinutes }, (_, i) => ({
      minute: TICK - (cusum.windowMinutes - i) * MINUTE,
      sums: sums(i),
    }));
  const evaluate = (history: RuleHistory, open = false, tick = TICK) => evaluateRule(cusum, history, tick, open);

  it('is the default for ctr_drop: 60-minute lookback, 10 nats', () => {
    expect(cusum).toMatchObject({ method: 'cusum', windowMinutes: 60, significance: 10, recoverySignificance: 3 });
  });

  it('fires a 45 % CTR drop at 10× the generator volume within 2 minutes, over the minutes since the onset', () => {
    const onset = cusum.windowMinutes - 2; // the last two minutes dropped
    const history = {
      baseline: BASELINE,
      minutes: lookback((i) => funnel(3000, { ctr: i >= onset ? 0.028 * 0.55 : 0.028 })),
    };
    const evaluation = evaluate(history);
    expect(evaluation.anomalous).toBe(true);
    expect(decideTransition({ kind: 'none' }, evaluation, TICK, 0)).toBe('fire');
    expect(evaluation.windowStart).toBe(TICK - 2 * MINUTE);
    expect(evaluation.current).toBeCloseTo(0.028 * 0.55, 3);
    expect(evaluation.change).toBeCloseTo(-0.45, 1);
    // One dropped minute is not enough evidence yet.
    const oneMinute = evaluate({ ...history, minutes: history.minutes.slice(0, -1) }, false, TICK - MINUTE);
    expect(oneMinute.anomalous).toBe(false);
  });

  it('does not fire on steady traffic with noise, nor on a large drop at tiny volume', () => {
    const random = seededRandom(3);
    const noisy = lookback(() => {
      const clicks = binomial(random, 300, 0.028);
      return { ...ZERO_SUMS, impressions: 300, clicks, clickCost: clicks * 0.8, spend: clicks * 0.8 };
    });
    expect(evaluate({ baseline: BASELINE, minutes: noisy }).anomalous).toBe(false);
    // 3 impressions a minute, no click at all for 60 minutes: 180 impressions, below the rule's minVolume.
    const tiny = evaluate({ baseline: BASELINE, minutes: lookback(() => funnel(3, { ctr: 0 })) });
    expect(tiny).toMatchObject({ measurable: false, anomalous: false });
    expect(decideTransition({ kind: 'none' }, tiny, TICK, 0)).toBe('none');
  });

  it('works from the start: with no baseline it borrows the first half of the history that exists', () => {
    const minutes = lookback((i) => funnel(3000, { ctr: i >= 55 ? 0.028 * 0.55 : 0.028 })).slice(20);
    const fresh = evaluate({ baseline: ZERO_SUMS, minutes });
    expect(fresh.anomalous).toBe(true);
    expect(fresh.baseline).toBeCloseTo(0.028, 3);
    // Too little history to know the rate: nothing is judged.
    const tooNew = evaluate({ baseline: ZERO_SUMS, minutes: lookback(() => funnel(300, { ctr: 0.01 })).slice(-6) });
    expect(tooNew.measurable).toBe(false);
  });

  it('with an expected rate, judges a brand-new campaign against it (no baseline range stored)', () => {
    const rule = { ...cusum, expectedValue: 0.028 };
    const minutes = lookback(() => funnel(3000, { ctr: 0.028 * 0.55 })).slice(-3);
    const evaluation = evaluateRule(rule, { baseline: ZERO_SUMS, minutes }, TICK, false);
    expect(evaluation).toMatchObject({ anomalous: true, baseline: 0.028, baselineStart: null, baselineEnd: null });
  });

  it('resolves an open alert once the rate is back, with values over the recovered minutes', () => {
    const recovery = cusum.windowMinutes - 3;
    const history = {
      baseline: BASELINE,
      minutes: lookback((i) => funnel(3000, { ctr: i >= 20 && i < recovery ? 0.028 * 0.55 : 0.028 })),
    };
    const evaluation = evaluate(history, true);
    expect(decideTransition({ kind: 'open' }, evaluation, TICK, 0)).toBe('resolve');
    expect(evaluation.windowStart).toBe(TICK - 3 * MINUTE);
    expect(evaluation.current).toBeCloseTo(0.028, 3);
    expect(alertMessage('c', 'meta', evaluation, 'resolve')).toBe(
      'CTR recovered for c (meta): 2.80% vs baseline 2.57%',
    );
    // Still dropped: stays open, refreshed with the values since the onset.
    const still = evaluate({ ...history, minutes: history.minutes.slice(0, recovery) }, true, TICK - 3 * MINUTE);
    expect(decideTransition({ kind: 'open' }, still, TICK, 0)).toBe('update');
    expect(still.windowStart).toBe(TICK - (cusum.windowMinutes - 20) * MINUTE);
    // No traffic since: no evidence of recovery, nothing changes.
    const silent = evaluate({ ...history, minutes: history.minutes.slice(0, recovery) }, true, TICK);
    expect(decideTransition({ kind: 'open' }, silent, TICK, 0)).toBe('update');
  });

  it('after a resolution counts only newer minutes: the reported drop does not fire again, a new one does', () => {
    const recovery = cusum.windowMinutes - 3;
    const history = {
      baseline: BASELINE,
      minutes: lookback((i) => funnel(3000, { ctr: i >= 20 && i < recovery ? 0.028 * 0.55 : 0.028 })),
    };
    // Closed, the same minutes still hold ~37 minutes of drop evidence against 3 recovered ones.
    expect(evaluate(history).anomalous).toBe(true);
    const resolvedAt = TICK - 2 * MINUTE;
    const after = evaluate({ ...history, evidenceFrom: resolvedAt });
    expect(after.anomalous).toBe(false);
    expect(decideTransition({ kind: 'none' }, after, TICK, 0)).toBe('none');
    const again = lookback((i) => funnel(3000, { ctr: i >= 20 && (i < recovery || i >= 58) ? 0.028 * 0.55 : 0.028 }));
    const next = evaluate(
      {
        baseline: BASELINE,
        minutes: [
          ...again.slice(1),
          {
            minute: TICK,
            sums: funnel(3000, { ctr: 0.028 * 0.55 }),
          },
        ],
        evidenceFrom: resolvedAt,
      },
      false,
      TICK + MINUTE,
    );
    expect(next.anomalous).toBe(true);
    expect(next.windowStart).toBe(TICK - 2 * MINUTE);
  });

  it("keeps a drop's evidence through one click-heavy minute (clicks arriving late in a burst are not a recovery)", () => {
    // The browser test's traffic: 1,000 impressions over 100 s with their 20 clicks in the last 2 s.
    const history = {
      baseline: funnel(3000, { ctr: 0.1 }),
      minutes: [
        { minute: TICK - 3 * MINUTE, sums: { ...ZERO_SUMS, impressions: 362 } },
        { minute: TICK - 2 * MINUTE, sums: { ...ZERO_SUMS, impressions: 600 } },
        { minute: TICK - MINUTE, sums: { ...ZERO_SUMS, impressions: 38, clicks: 20 } },
      ],
    };
    expect(evaluate(history).anomalous).toBe(true);
  });
});
