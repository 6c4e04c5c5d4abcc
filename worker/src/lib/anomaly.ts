import { type AlertMetric, type KpiSums, kpisFromSums } from '@pmd/db';
import { z } from 'zod';

/**
 * Anomaly detection, pure: a recent window of one campaign+channel against its trailing baseline, both as ratios of
 * sums. A drop metric fires only when it is large (relative drop ≥ minRelativeDrop), significant (two-proportion
 * z ≤ maxZ) and measured on enough volume (≥ minVolume in both denominators); it resolves only once it has recovered
 * past a smaller drop (recoveryDrop), so a metric hovering near the threshold does not flap.
 */

export { ALERT_METRICS, type AlertMetric } from '@pmd/db';

const configSchema = z.object({
  /** Recent window, minutes. */
  windowMinutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(15),
  /** Trailing baseline right before the window, hours. */
  baselineHours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 14)
    .default(24),
  /** Relative drop that fires a *_drop alert. */
  minRelativeDrop: z.coerce.number().gt(0).lt(1).default(0.3),
  /** z-score at or below which a drop is significant. */
  maxZ: z.coerce.number().lt(0).default(-3),
  /** Minimum denominator (impressions, clicks, signups) in the window and in the baseline. */
  minVolume: z.coerce.number().int().min(1).default(200),
  /** A firing drop resolves when the relative drop is below this. */
  recoveryDrop: z.coerce.number().gte(0).lt(1).default(0.15),
  /** Average CPC (spend / clicks) ratio window/baseline that fires cpc_spike, and the ratio below which it resolves. */
  cpcSpikeRatio: z.coerce.number().gt(1).default(1.3),
  cpcRecoveryRatio: z.coerce.number().gte(1).default(1.15),
});

export type AnomalyConfig = z.infer<typeof configSchema>;

export const DEFAULT_ANOMALY_CONFIG: AnomalyConfig = configSchema.parse({});

/** Reads ANOMALY_WINDOW_MINUTES, ANOMALY_BASELINE_HOURS, ANOMALY_MIN_RELATIVE_DROP, ANOMALY_MAX_Z, ANOMALY_MIN_VOLUME,
 * ANOMALY_RECOVERY_DROP, ANOMALY_CPC_SPIKE_RATIO, ANOMALY_CPC_RECOVERY_RATIO; throws naming a bad variable. */
export function anomalyConfigFromEnv(env: Record<string, string | undefined>): AnomalyConfig {
  const result = configSchema.safeParse({
    windowMinutes: env.ANOMALY_WINDOW_MINUTES,
    baselineHours: env.ANOMALY_BASELINE_HOURS,
    minRelativeDrop: env.ANOMALY_MIN_RELATIVE_DROP,
    maxZ: env.ANOMALY_MAX_Z,
    minVolume: env.ANOMALY_MIN_VOLUME,
    recoveryDrop: env.ANOMALY_RECOVERY_DROP,
    cpcSpikeRatio: env.ANOMALY_CPC_SPIKE_RATIO,
    cpcRecoveryRatio: env.ANOMALY_CPC_RECOVERY_RATIO,
  });
  if (!result.success) throw new Error(`invalid anomaly configuration: ${z.prettifyError(result.error)}`);
  if (
    result.data.recoveryDrop >= result.data.minRelativeDrop ||
    result.data.cpcRecoveryRatio >= result.data.cpcSpikeRatio
  ) {
    throw new Error('invalid anomaly configuration: the recovery level must be milder than the firing level');
  }
  return result.data;
}

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

const DROPS = [
  { metric: 'ctr_drop', numerator: 'clicks', denominator: 'impressions' },
  { metric: 'click_to_signup_drop', numerator: 'signups', denominator: 'clicks' },
  { metric: 'signup_to_activation_drop', numerator: 'activations', denominator: 'signups' },
] as const satisfies readonly { metric: AlertMetric; numerator: keyof KpiSums; denominator: keyof KpiSums }[];

/** Evaluates every alert metric of one campaign+channel. */
export function evaluateMetrics(window: KpiSums, baseline: KpiSums, config: AnomalyConfig): MetricEvaluation[] {
  const drops = DROPS.map(({ metric, numerator, denominator }): MetricEvaluation => {
    const [x1, n1, x2, n2] = [window[numerator], window[denominator], baseline[numerator], baseline[denominator]];
    const current = n1 === 0 ? 0 : x1 / n1;
    const base = n2 === 0 ? 0 : x2 / n2;
    const measurable = n1 >= config.minVolume && n2 >= config.minVolume && base > 0;
    const change = base > 0 ? current / base - 1 : 0;
    const z = measurable ? twoProportionZ(x1, n1, x2, n2) : null;
    return {
      metric,
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
  // Average CPC as the ad platforms report it: spend (the cost of every event, impressions' and conversions' too) /
  // clicks — the same formula as KpiTotals.cpc, so a rise in impression prices is a CPC rise.
  const current = kpisFromSums(window).cpc ?? 0;
  const base = kpisFromSums(baseline).cpc ?? 0;
  const measurable = window.clicks >= config.minVolume && baseline.clicks >= config.minVolume && base > 0;
  const ratioToBaseline = base > 0 ? current / base : 0;
  const spike: MetricEvaluation = {
    metric: 'cpc_spike',
    current,
    baseline: base,
    threshold: base * config.cpcSpikeRatio,
    change: base > 0 ? ratioToBaseline - 1 : 0,
    z: null,
    measurable,
    anomalous: measurable && ratioToBaseline >= config.cpcSpikeRatio,
    recovered: measurable && ratioToBaseline < config.cpcRecoveryRatio,
  };
  return [...drops, spike];
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

const LABELS: Record<AlertMetric, string> = {
  ctr_drop: 'CTR',
  click_to_signup_drop: 'Click→signup rate',
  signup_to_activation_drop: 'Signup→activation rate',
  cpc_spike: 'Average CPC (spend / clicks)',
};

function formatValue(metric: AlertMetric, value: number): string {
  return metric === 'cpc_spike' ? value.toFixed(2) : `${(value * 100).toFixed(2)}%`;
}

/** A human message in the spirit of the original ("CTR dropped 45% vs baseline …"). */
export function alertMessage(
  campaignId: string,
  channel: string,
  evaluation: MetricEvaluation,
  action: AlertAction,
): string {
  const { metric, current, baseline, change, z } = evaluation;
  const label = LABELS[metric];
  const direction = change < 0 ? 'dropped' : 'rose';
  const values = `${formatValue(metric, current)} vs baseline ${formatValue(metric, baseline)}`;
  const significance = z === null ? '' : `, z=${z.toFixed(1)}`;
  if (action === 'resolve') {
    return `${label} recovered for ${campaignId} (${channel}): ${values}`;
  }
  return `${label} ${direction} ${Math.abs(change * 100).toFixed(0)}% for ${campaignId} (${channel}): ${values}${significance}`;
}
