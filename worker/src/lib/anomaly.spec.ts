import { ALERT_METRIC_BY_NAME, ALERT_METRICS, type KpiSums, kpiValue, ZERO_SUMS } from '@pmd/db';
import { describe, expect, it } from 'vitest';
import { binomial, seededRandom } from '@pmd/testkit';
import {
  DEFAULT_ANOMALY_CONFIG as config,
  alertMessage,
  decideAlertAction,
  evaluateMetrics,
  evaluateSequential,
  type KeyHistory,
  type MetricEvaluation,
  twoProportionZ,
} from './anomaly.ts';

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

const byMetric = (evaluations: MetricEvaluation[], metric: string) => evaluations.find((e) => e.metric === metric)!;

// The original generator's volume for one campaign: 5 impressions/s, so 4,500 in 15 minutes and 432,000 in 24 h.
const BASELINE = funnel(432_000, { ctr: 0.028 });

describe('twoProportionZ', () => {
  it('is negative for a drop, 0 for equal rates and for empty samples', () => {
    expect(twoProportionZ(69, 4500, 12_096, 432_000)).toBeCloseTo(-5.1, 1);
    expect(twoProportionZ(28, 1000, 2800, 100_000)).toBeCloseTo(0, 10);
    expect(twoProportionZ(0, 0, 5, 10)).toBe(0);
  });
});

describe('evaluateMetrics', () => {
  it('fires a 45 % CTR drop at realistic volume, with threshold and values', () => {
    const ctr = byMetric(evaluateMetrics(funnel(4500, { ctr: 0.028 * 0.55 }), BASELINE, config), 'ctr_drop');
    expect(ctr.anomalous).toBe(true);
    expect(ctr.change).toBeCloseTo(-0.45, 2);
    expect(ctr.z!).toBeLessThan(-3);
    expect(ctr.baseline).toBeCloseTo(0.028, 6);
    expect(ctr.threshold).toBeCloseTo(0.028 * 0.7, 6);
    expect(decideAlertAction(false, ctr)).toBe('fire');
  });

  it('does not fire the same drop on tiny volume', () => {
    const ctr = byMetric(evaluateMetrics(funnel(150, { ctr: 0.028 * 0.55 }), BASELINE, config), 'ctr_drop');
    expect(ctr.measurable).toBe(false);
    expect(ctr.anomalous).toBe(false);
    expect(decideAlertAction(false, ctr)).toBe('none');
    expect(decideAlertAction(true, ctr)).toBe('none');
  });

  it('does not fire a large drop that is not significant', () => {
    // 200 clicks window with click→signup 0.1 → 0.065: a 35 % drop but z ≈ −1.6.
    const window: KpiSums = { ...ZERO_SUMS, impressions: 7000, clicks: 200, signups: 13 };
    const signup = byMetric(evaluateMetrics(window, BASELINE, config), 'click_to_signup_drop');
    expect(signup.change).toBeLessThan(-0.3);
    expect(signup.anomalous).toBe(false);
  });

  it('detects conversion drops and a cpc spike', () => {
    const window = funnel(450_000, { ctr: 0.028, signup: 0.05, activation: 0.3, cpc: 1.2 });
    const evaluations = evaluateMetrics(window, BASELINE, config);
    expect(evaluations.filter((e) => e.anomalous).map((e) => e.metric)).toEqual([
      'click_to_signup_drop',
      'signup_to_activation_drop',
      'cpc_spike',
    ]);
    expect(byMetric(evaluations, 'cpc_spike').threshold).toBeCloseTo(0.8 * 1.3, 6);
  });

  it('resolves only past the hysteresis level', () => {
    const stillLow = byMetric(evaluateMetrics(funnel(4500, { ctr: 0.028 * 0.8 }), BASELINE, config), 'ctr_drop');
    expect(stillLow.anomalous).toBe(false);
    expect(decideAlertAction(true, stillLow)).toBe('update');
    const recovered = byMetric(evaluateMetrics(funnel(4500, { ctr: 0.028 * 0.9 }), BASELINE, config), 'ctr_drop');
    expect(decideAlertAction(true, recovered)).toBe('resolve');
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
      const evaluations = evaluateMetrics(sample(perMinute * 15), sample(perMinute * 24 * 60), config);
      if (evaluations.some((e) => e.anomalous)) falseAlerts++;
      if (evaluations.some((e) => e.measurable)) judged++;
    }
    expect(judged).toBe(500);
    expect(falseAlerts).toBeLessThan(5);
  });
});

describe('alertMessage', () => {
  it('reads like the original', () => {
    const ctr = byMetric(evaluateMetrics(funnel(4500, { ctr: 0.028 * 0.55 }), BASELINE, config), 'ctr_drop');
    expect(alertMessage('camp_meta_prospecting', 'meta', ctr, 'fire')).toBe(
      'CTR dropped 45% for camp_meta_prospecting (meta): 1.53% vs baseline 2.80%, z=-5.1',
    );
    expect(alertMessage('camp_meta_prospecting', 'meta', ctr, 'resolve')).toMatch(
      /^CTR recovered for camp_meta_prospecting/,
    );
  });
});

describe('alert metric values', () => {
  it('are the registry KPIs the alert metrics name, in the window and the baseline', () => {
    const window = funnel(4500, { ctr: 0.021, signup: 0.07, activation: 0.4, cpc: 1.1 });
    const evaluations = evaluateMetrics(window, BASELINE, config);
    expect(evaluations.map((e) => e.metric)).toEqual(ALERT_METRICS);
    for (const evaluation of evaluations) {
      const kpi = ALERT_METRIC_BY_NAME[evaluation.metric].kpi;
      expect(evaluation.current).toBe(kpiValue(kpi, window));
      expect(evaluation.baseline).toBe(kpiValue(kpi, BASELINE));
    }
  });
});

describe('evaluateSequential (cusum)', () => {
  const TICK = Date.parse('2026-11-20T12:00:00Z');
  const cusum = { ...config, method: 'cusum' as const };
  /** The lookback's minutes before TICK, each with `sums(i)` (i = 0 for the oldest). */
  const lookback = (sums: (i: number) => KpiSums) =>
    Array.from({ length: cusum.lookbackMinutes }, (_, i) => ({
      minute: TICK - (cusum.lookbackMinutes - i) * 60_000,
      sums: sums(i),
    }));
  const evaluate = (history: KeyHistory, open = false, tick = TICK) =>
    evaluateSequential(history, tick, cusum, () => open).find((e) => e.evaluation.metric === 'ctr_drop')!;

  it('fires a 45 % CTR drop at 10× the generator volume within 2 minutes, over the minutes since the onset', () => {
    const onset = cusum.lookbackMinutes - 2; // the last two minutes dropped
    const history = {
      baseline: BASELINE,
      minutes: lookback((i) => funnel(3000, { ctr: i >= onset ? 0.028 * 0.55 : 0.028 })),
    };
    const { evaluation, windowStart } = evaluate(history);
    expect(evaluation.anomalous).toBe(true);
    expect(decideAlertAction(false, evaluation)).toBe('fire');
    expect(windowStart).toBe(TICK - 2 * 60_000);
    expect(evaluation.current).toBeCloseTo(0.028 * 0.55, 3);
    expect(evaluation.change).toBeCloseTo(-0.45, 1);
    // One dropped minute is not enough evidence yet.
    const oneMinute = evaluate({ ...history, minutes: history.minutes.slice(0, -1) }, false, TICK - 60_000);
    expect(oneMinute.evaluation.anomalous).toBe(false);
  });

  it('does not fire on steady traffic with noise, nor on a large drop at tiny volume', () => {
    const random = seededRandom(3);
    const noisy = lookback(() => {
      const clicks = binomial(random, 300, 0.028);
      return { ...ZERO_SUMS, impressions: 300, clicks, clickCost: clicks * 0.8, spend: clicks * 0.8 };
    });
    expect(evaluate({ baseline: BASELINE, minutes: noisy }).evaluation.anomalous).toBe(false);
    // 3 impressions a minute, no click at all for 60 minutes: 180 impressions, below ANOMALY_MIN_VOLUME.
    const tiny = evaluate({ baseline: BASELINE, minutes: lookback(() => funnel(3, { ctr: 0 })) });
    expect(tiny.evaluation).toMatchObject({ measurable: false, anomalous: false });
    expect(decideAlertAction(false, tiny.evaluation)).toBe('none');
  });

  it('works from the start: with no baseline it borrows the first half of the history that exists', () => {
    const minutes = lookback((i) => funnel(3000, { ctr: i >= 55 ? 0.028 * 0.55 : 0.028 })).slice(20);
    const fresh = evaluate({ baseline: ZERO_SUMS, minutes });
    expect(fresh.evaluation.anomalous).toBe(true);
    expect(fresh.evaluation.baseline).toBeCloseTo(0.028, 3);
    // Too little history to know the rate: nothing is judged.
    const tooNew = evaluate({ baseline: ZERO_SUMS, minutes: lookback(() => funnel(300, { ctr: 0.01 })).slice(-6) });
    expect(tooNew.evaluation.measurable).toBe(false);
  });

  it('judges cpc_spike and signup→activation by the window rule: the last ANOMALY_WINDOW_MINUTES against the rest', () => {
    const history = {
      baseline: BASELINE,
      minutes: lookback((i) => funnel(1000, { ctr: 0.028, cpc: i >= cusum.lookbackMinutes - 15 ? 1.2 : 0.8 })),
    };
    const cpc = evaluateSequential(history, TICK, cusum, () => false).find((e) => e.evaluation.metric === 'cpc_spike')!;
    expect(cpc.windowStart).toBe(TICK - cusum.windowMinutes * 60_000);
    expect(cpc.evaluation.current).toBeCloseTo(1.2, 6);
    expect(cpc.evaluation.baseline).toBeCloseTo(0.8, 6);
    expect(cpc.evaluation.anomalous).toBe(true);
    // signup→activation too: activations lag their signups by minutes, so per-minute counts are no binomial draw.
    const activation = evaluateSequential(history, TICK, cusum, () => false).find(
      (e) => e.evaluation.metric === 'signup_to_activation_drop',
    )!;
    expect(activation.windowStart).toBe(TICK - cusum.windowMinutes * 60_000);
  });

  it('resolves an open alert once the rate is back, with values over the recovered minutes', () => {
    const recovery = cusum.lookbackMinutes - 3;
    const history = {
      baseline: BASELINE,
      minutes: lookback((i) => funnel(3000, { ctr: i >= 20 && i < recovery ? 0.028 * 0.55 : 0.028 })),
    };
    const { evaluation, windowStart } = evaluate(history, true);
    expect(decideAlertAction(true, evaluation)).toBe('resolve');
    expect(windowStart).toBe(TICK - 3 * 60_000);
    expect(evaluation.current).toBeCloseTo(0.028, 3);
    expect(alertMessage('c', 'meta', evaluation, 'resolve')).toBe(
      'CTR recovered for c (meta): 2.80% vs baseline 2.57%',
    );
    // Still dropped: stays open, refreshed with the values since the onset.
    const still = evaluate({ ...history, minutes: history.minutes.slice(0, recovery) }, true, TICK - 3 * 60_000);
    expect(decideAlertAction(true, still.evaluation)).toBe('update');
    expect(still.windowStart).toBe(TICK - (cusum.lookbackMinutes - 20) * 60_000);
    // No traffic since: no evidence of recovery, nothing changes.
    const silent = evaluate({ ...history, minutes: history.minutes.slice(0, recovery) }, true, TICK);
    expect(decideAlertAction(true, silent.evaluation)).toBe('update');
  });
});
