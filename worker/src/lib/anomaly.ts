import {
  ALERT_METRIC_BY_NAME,
  ALERT_METRIC_DEFINITIONS,
  type AlertMetric,
  KPIS,
  type KpiSums,
  kpiValue,
  kpiVolumeCounter,
} from '@pmd/domain';
import { cusumDrop } from './cusum.ts';

/**
 * Anomaly detection, pure, by one of two methods (`AnomalyConfig.method`):
 * - `cusum` (default): ctr_drop and click_to_signup_drop run a CUSUM (cusum.ts) over the lookback's per-minute counts against the
 *   baseline's rate; it fires as soon as the evidence reaches `cusumThreshold` on at least minVolume, and resolves as
 *   soon as the evidence of recovery reaches `cusumRecoveryThreshold`. Measured by `pnpm bench:alerts` (root README):
 *   as fast as the fixed window at the original volume without its false alerts, about 5× faster at 10× the volume,
 *   and it resolves sooner.
 * - `window` (the first version's): a recent window of one campaign+channel against its trailing baseline, both as
 *   ratios of sums. A drop fires only when it is large (relative drop ≥ minRelativeDrop), significant (two-proportion
 *   z ≤ maxZ) and measured on enough volume (≥ minVolume in both denominators); it resolves only once it has recovered
 *   past a smaller drop (recoveryDrop), so a metric hovering near the threshold does not flap.
 * cpc_spike and signup_to_activation_drop use the window rule under both methods (WINDOW_RULE_METRICS says why).
 */

// The alert metrics are data in the domain package (which KPI, which direction); re-exported for the worker's callers.
export { ALERT_METRICS, type AlertMetric } from '@pmd/domain';

export const DETECTION_METHODS = ['cusum', 'window'] as const;
export type DetectionMethod = (typeof DETECTION_METHODS)[number];

/** The thresholds of detection; worker/src/config.ts reads them from ANOMALY_* (ranges and the README are there). */
export interface AnomalyConfig {
  method: DetectionMethod;
  /** cusum: minutes of per-minute counts the statistics run over; the baseline ends where they start. */
  lookbackMinutes: number;
  /** cusum: evidence (nats) that fires a drop, and evidence of recovery that resolves it. */
  cusumThreshold: number;
  cusumRecoveryThreshold: number;
  /** cusum: least baseline denominator to estimate the rate from; less borrows the lookback's first half. */
  minBaselineVolume: number;
  /** Recent window, minutes. */
  windowMinutes: number;
  /** Trailing baseline right before the window, hours. */
  baselineHours: number;
  /** Relative drop that fires a *_drop alert. */
  minRelativeDrop: number;
  /** z-score at or below which a drop is significant. */
  maxZ: number;
  /** Minimum denominator (impressions, clicks, signups) in the window and in the baseline. */
  minVolume: number;
  /** A firing drop resolves when the relative drop is below this (milder than minRelativeDrop). */
  recoveryDrop: number;
  /** cpc (spend per click) ratio window/baseline that fires cpc_spike, and the (milder) ratio below which it resolves. */
  cpcSpikeRatio: number;
  cpcRecoveryRatio: number;
}

export const DEFAULT_ANOMALY_CONFIG: AnomalyConfig = {
  method: 'cusum',
  lookbackMinutes: 60,
  cusumThreshold: 10,
  cusumRecoveryThreshold: 3,
  minBaselineVolume: 2000,
  windowMinutes: 15,
  baselineHours: 24,
  minRelativeDrop: 0.3,
  maxZ: -3,
  minVolume: 200,
  recoveryDrop: 0.15,
  cpcSpikeRatio: 1.3,
  cpcRecoveryRatio: 1.15,
};

/** Pooled two-proportion z-score of x1/n1 (window) against x2/n2 (baseline); 0 when undefined. */
export function twoProportionZ(x1: number, n1: number, x2: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 0;
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return se === 0 ? 0 : (x1 / n1 - x2 / n2) / se;
}

export interface MetricEvaluation {
  metric: AlertMetric;
  /** The metric in the window and in the baseline (ratio of sums). */
  current: number;
  baseline: number;
  /** The value at which it fires: baseline × (1 − minRelativeDrop), or baseline × cpcSpikeRatio. */
  threshold: number;
  /** Relative change window vs baseline (−0.45 = 45 % lower). */
  change: number;
  /** Significance of a drop (null for cpc_spike, which relies on ratio + volume). */
  z: number | null;
  /** Both window and baseline have enough volume to judge; otherwise no state changes. */
  measurable: boolean;
  anomalous: boolean;
  recovered: boolean;
}

/** Evaluates every alert metric of one campaign+channel, each from its registry KPI over the window's sums. */
export function evaluateMetrics(window: KpiSums, baseline: KpiSums, config: AnomalyConfig): MetricEvaluation[] {
  return ALERT_METRIC_DEFINITIONS.map((definition): MetricEvaluation => {
    const volume = kpiVolumeCounter(definition.kpi);
    const current = kpiValue(definition.kpi, window) ?? 0;
    const base = kpiValue(definition.kpi, baseline) ?? 0;
    const measurable = window[volume] >= config.minVolume && baseline[volume] >= config.minVolume && base > 0;
    if (definition.direction === 'spike') {
      const ratioToBaseline = base > 0 ? current / base : 0;
      return {
        metric: definition.metric,
        current,
        baseline: base,
        threshold: base * config.cpcSpikeRatio,
        change: base > 0 ? ratioToBaseline - 1 : 0,
        z: null,
        measurable,
        anomalous: measurable && ratioToBaseline >= config.cpcSpikeRatio,
        recovered: measurable && ratioToBaseline < config.cpcRecoveryRatio,
      };
    }
    const { numerator, denominator } = KPIS[definition.kpi].formula;
    const change = base > 0 ? current / base - 1 : 0;
    const z = measurable
      ? twoProportionZ(window[numerator], window[denominator], baseline[numerator], baseline[denominator])
      : null;
    return {
      metric: definition.metric,
      current,
      baseline: base,
      threshold: base * (1 - config.minRelativeDrop),
      change,
      z,
      measurable,
      anomalous: measurable && -change >= config.minRelativeDrop && z !== null && z <= config.maxZ,
      recovered: measurable && -change < config.recoveryDrop,
    };
  });
}

/**
 * Metrics the cusum method judges by the window rule. cpc_spike: no variance of spend is stored per minute to build a
 * likelihood. signup_to_activation_drop: an activation follows its signup by up to 10 minutes, so a minute's
 * activations are not a draw from that minute's signups (a minute can have more), and while traffic rises (mornings)
 * the lag alone lowers the per-minute ratio; bench:alerts at 10× volume measured 71 false alerts in 4 campaign-weeks
 * for it under cusum. Clicks follow impressions by seconds, signups follow clicks by up to two minutes: cusum holds.
 */
const WINDOW_RULE_METRICS: ReadonlySet<AlertMetric> = new Set(['cpc_spike', 'signup_to_activation_drop']);

/** A metric's evaluation with the start of the window its current value covers (ms since the epoch). */
export interface WindowedEvaluation {
  evaluation: MetricEvaluation;
  windowStart: number;
}

/** One campaign+channel's history for the cusum method. */
export interface KeyHistory {
  /** Sums of `[lookback start − baselineHours, lookback start)`. */
  baseline: KpiSums;
  /** Per-minute sums of `[lookback start, tick)`, in time order; minutes without traffic may be absent. */
  minutes: readonly { minute: number; sums: KpiSums }[];
}

function addSums(into: KpiSums, sums: KpiSums): KpiSums {
  for (const key of Object.keys(into) as (keyof KpiSums)[]) into[key] += sums[key];
  return into;
}

function sumOf(base: KpiSums, minutes: KeyHistory['minutes']): KpiSums {
  return minutes.reduce((acc, m) => addSums(acc, m.sums), { ...base });
}

/**
 * The cusum method for one campaign+channel at `tick`. Each metric's current value is computed over the minutes its
 * evidence covers (the drop's excursion when firing or still low, the recovery's when recovering), and its baseline
 * over everything before them, so the stored windows say what the values rest on.
 */
export function evaluateSequential(
  history: KeyHistory,
  tick: number,
  config: AnomalyConfig,
  isOpen: (metric: AlertMetric) => boolean,
): WindowedEvaluation[] {
  const zero = Object.fromEntries(Object.keys(history.baseline).map((k) => [k, 0])) as KpiSums;
  return ALERT_METRIC_DEFINITIONS.map((definition): WindowedEvaluation => {
    const { minutes } = history;
    if (definition.direction === 'spike' || WINDOW_RULE_METRICS.has(definition.metric)) {
      const windowStart = tick - config.windowMinutes * 60_000;
      const split = minutes.findIndex((m) => m.minute >= windowStart);
      const cut = split === -1 ? minutes.length : split;
      const [evaluation] = evaluateMetrics(
        sumOf(zero, minutes.slice(cut)),
        sumOf(history.baseline, minutes.slice(0, cut)),
        config,
      ).filter((e) => e.metric === definition.metric);
      return { evaluation: evaluation!, windowStart };
    }
    const { numerator, denominator } = KPIS[definition.kpi].formula;
    // The history that exists: with less baseline than needed (a new campaign, a fresh install), the first half of
    // the lookback's minutes becomes baseline too. Half, not just enough to reach the volume: the first minutes of a
    // history are often partial (traffic started mid-minute, clicks not yet in), and a rate estimated from them
    // alone would be biased low, hiding a drop (measured: bench:alerts missed drops until this borrowed half).
    const baseline = { ...history.baseline };
    const borrowed = baseline[denominator] < config.minBaselineVolume ? Math.floor(minutes.length / 2) : 0;
    for (const minute of minutes.slice(0, borrowed)) addSums(baseline, minute.sums);
    const p0 = baseline[denominator] > 0 ? baseline[numerator] / baseline[denominator] : 0;
    const evidence = minutes.slice(borrowed);
    const open = isOpen(definition.metric);
    const run = cusumDrop(
      evidence.map((m) => ({ x: m.sums[numerator], n: m.sums[denominator] })),
      { p0, drop: config.minRelativeDrop, recoveryThreshold: config.cusumRecoveryThreshold, open },
    );
    // An open alert reports the recovered minutes once they prove recovery (or once the drop's evidence is gone);
    // otherwise the minutes since the drop's onset.
    const recovering = open && (run.s === 0 || run.r >= config.cusumRecoveryThreshold);
    const startIndex = borrowed + (recovering ? run.rStart : run.sStart);
    const windowMinutes = minutes.slice(startIndex);
    const window = sumOf(zero, windowMinutes);
    const before = sumOf(history.baseline, minutes.slice(0, startIndex));
    const current = kpiValue(definition.kpi, window) ?? 0;
    const base = kpiValue(definition.kpi, before) ?? 0;
    const measurable =
      baseline[denominator] >= config.minBaselineVolume &&
      p0 > 0 &&
      p0 < 1 &&
      window[denominator] >= config.minVolume &&
      base > 0;
    return {
      evaluation: {
        metric: definition.metric,
        current,
        baseline: base,
        threshold: base * (1 - config.minRelativeDrop),
        change: base > 0 ? current / base - 1 : 0,
        z: measurable
          ? twoProportionZ(window[numerator], window[denominator], before[numerator], before[denominator])
          : null,
        measurable,
        anomalous: measurable && run.s >= config.cusumThreshold,
        recovered: measurable && run.r >= config.cusumRecoveryThreshold,
      },
      windowStart: windowMinutes[0]?.minute ?? tick,
    };
  });
}

export type AlertAction = 'fire' | 'update' | 'resolve' | 'none';

/**
 * What to do with one metric given whether an alert is open (firing or acknowledged): fire a new one, refresh the
 * open one's values, resolve it, or nothing. Unmeasurable windows (too little traffic) never change the state.
 */
export function decideAlertAction(hasOpenAlert: boolean, evaluation: MetricEvaluation): AlertAction {
  if (!evaluation.measurable) return 'none';
  if (!hasOpenAlert) return evaluation.anomalous ? 'fire' : 'none';
  return evaluation.recovered ? 'resolve' : 'update';
}

function formatValue(metric: AlertMetric, value: number): string {
  return KPIS[ALERT_METRIC_BY_NAME[metric].kpi].format === 'currency'
    ? value.toFixed(2)
    : `${(value * 100).toFixed(2)}%`;
}

/** A human message in the spirit of the original ("CTR dropped 45% vs baseline …"). */
export function alertMessage(
  campaignId: string,
  channel: string,
  evaluation: MetricEvaluation,
  action: AlertAction,
): string {
  const { metric, current, baseline, change, z } = evaluation;
  const label = ALERT_METRIC_BY_NAME[metric].label;
  const direction = change < 0 ? 'dropped' : 'rose';
  const values = `${formatValue(metric, current)} vs baseline ${formatValue(metric, baseline)}`;
  const significance = z === null ? '' : `, z=${z.toFixed(1)}`;
  if (action === 'resolve') {
    return `${label} recovered for ${campaignId} (${channel}): ${values}`;
  }
  return `${label} ${direction} ${Math.abs(change * 100).toFixed(0)}% for ${campaignId} (${channel}): ${values}${significance}`;
}
