import {
  ALERT_METRIC_BY_NAME,
  type AlertMetric,
  type AlertMetricDefinition,
  ALL_CHANNELS,
  alertMetricWatches,
  metricView,
} from '@pmd/domain';
import type { AlertTransition, RuleEvaluation } from '@pmd/domain/detection';

/**
 * A value of an alert metric as people read it: a rate in percent, money with two decimals (no symbol: a campaign's
 * currency is a label the amounts are never converted to), a return as a multiple (3.20×), a volume per minute.
 */
export function formatAlertValue(metric: AlertMetric, value: number): string {
  const definition: AlertMetricDefinition = ALERT_METRIC_BY_NAME[metric];
  if (definition.kind === 'volume') return `${value.toFixed(1)}/min`;
  const format = metricView(alertMetricWatches(metric)).format;
  if (format === 'ratio') return `${value.toFixed(2)}×`;
  return format === 'currency' ? value.toFixed(2) : `${(value * 100).toFixed(2)}%`;
}

/** What a target metric's target is called in messages. */
const TARGET_NAMES = { dailyBudget: 'daily budget', targetCpa: 'target CPA', targetRoas: 'target ROAS' } as const;

/**
 * A human message in the spirit of the original ("CTR dropped 45% vs baseline …"). Written from the evaluation of
 * this run only, and rewritten at every run while the alert is unresolved, so it never describes a state that is over.
 * The z-score is a rate's two-proportion test; costs have none, and a volume's Poisson z adds nothing its counts per
 * minute do not already say. A target alert compares with the campaign's target, over all its channels.
 */
export function alertMessage(
  campaignId: string,
  channel: string,
  evaluation: RuleEvaluation,
  transition: Exclude<AlertTransition, 'none'>,
): string {
  const { metric, current, baseline, change, z } = evaluation;
  const definition: AlertMetricDefinition = ALERT_METRIC_BY_NAME[metric];
  const where = `for ${campaignId} (${channel === ALL_CHANNELS ? 'all channels' : channel})`;
  if (definition.kind === 'target') {
    const target = TARGET_NAMES[definition.target];
    // Baseline 0: the campaign is no longer judged (not active, or its target removed), so the alert closes.
    if (baseline === 0)
      return `${definition.label} no longer judged ${where}: no ${target}, or the campaign is not active`;
    const values = `${formatAlertValue(metric, current)} vs ${target} ${formatAlertValue(metric, baseline)}`;
    if (transition === 'resolve') return `${definition.label} back within ${target} ${where}: ${values}`;
    if (transition === 'cancel') return `${definition.label} back within ${target} before firing ${where}: ${values}`;
    const side = definition.direction === 'above' ? 'above' : 'below';
    return `${definition.label} ${Math.abs(change * 100).toFixed(0)}% ${side} ${target} ${where}: ${values}`;
  }
  const values = `${formatAlertValue(metric, current)} vs baseline ${formatAlertValue(metric, baseline)}`;
  if (transition === 'resolve') return `${definition.label} recovered ${where}: ${values}`;
  if (transition === 'cancel') return `${definition.label} back within bounds before firing ${where}: ${values}`;
  const direction = change < 0 ? 'dropped' : 'rose';
  const significance = z === null || definition.kind !== 'rate' ? '' : `, z=${z.toFixed(1)}`;
  return `${definition.label} ${direction} ${Math.abs(change * 100).toFixed(0)}% ${where}: ${values}${significance}`;
}
