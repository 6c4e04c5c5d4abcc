import { ALERT_METRIC_BY_NAME, type AlertMetric, type AlertMetricDefinition, KPIS } from '@pmd/domain';
import type { AlertTransition, RuleEvaluation } from '@pmd/domain/detection';

/** A value of an alert metric as people read it: a rate in percent, a cost in money, a volume per minute. */
export function formatAlertValue(metric: AlertMetric, value: number): string {
  const definition: AlertMetricDefinition = ALERT_METRIC_BY_NAME[metric];
  if (definition.kind === 'volume') return `${value.toFixed(1)}/min`;
  return KPIS[definition.kpi].format === 'currency' ? value.toFixed(2) : `${(value * 100).toFixed(2)}%`;
}

/**
 * A human message in the spirit of the original ("CTR dropped 45% vs baseline …"). Written from the evaluation of
 * this run only, and rewritten at every run while the alert is unresolved, so it never describes a state that is over.
 * The z-score is a rate's two-proportion test; costs have none, and a volume's Poisson z adds nothing its counts per
 * minute do not already say.
 */
export function alertMessage(
  campaignId: string,
  channel: string,
  evaluation: RuleEvaluation,
  transition: Exclude<AlertTransition, 'none'>,
): string {
  const { metric, current, baseline, change, z } = evaluation;
  const definition: AlertMetricDefinition = ALERT_METRIC_BY_NAME[metric];
  const where = `for ${campaignId} (${channel})`;
  const values = `${formatAlertValue(metric, current)} vs baseline ${formatAlertValue(metric, baseline)}`;
  if (transition === 'resolve') return `${definition.label} recovered ${where}: ${values}`;
  if (transition === 'cancel') return `${definition.label} back within bounds before firing ${where}: ${values}`;
  const direction = change < 0 ? 'dropped' : 'rose';
  const significance = z === null || definition.kind !== 'rate' ? '' : `, z=${z.toFixed(1)}`;
  return `${definition.label} ${direction} ${Math.abs(change * 100).toFixed(0)}% ${where}: ${values}${significance}`;
}
