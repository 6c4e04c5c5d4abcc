import { KPIS, type KpiName } from './metrics.ts';

/**
 * The anomaly alert metrics, as data over the registry's KPIs: each watches one KPI in one direction. The worker
 * computes their values with the registry's formulas (`kpiValue`), the server's `Alert.metric` enum and the dashboard
 * list them from here; adding an alert metric means adding a line here.
 * - `drop`: a conversion rate (a ratio KPI) fell against its baseline; judged by relative drop, a two-proportion
 *   z-score over the ratio's numerator and denominator, and volume (the denominator).
 * - `spike`: a cost per unit rose against its baseline; judged by the ratio window/baseline and volume (the units).
 */

/** KPIs whose formula is a ratio of counters (rates, which can drop significantly). */
export type RatioKpiName = {
  [K in KpiName]: (typeof KPIS)[K]['formula']['kind'] extends 'ratio' ? K : never;
}[KpiName];

/** KPIs whose formula is a cost per unit (prices, which can spike). */
export type CostPerKpiName = Exclude<KpiName, RatioKpiName>;

export type AlertMetricDefinition =
  | { readonly metric: string; readonly kpi: RatioKpiName; readonly direction: 'drop'; readonly label: string }
  | { readonly metric: string; readonly kpi: CostPerKpiName; readonly direction: 'spike'; readonly label: string };

/** `label` names the KPI in alert messages ("CTR dropped 45% …"). */
export const ALERT_METRIC_DEFINITIONS = [
  { metric: 'ctr_drop', kpi: 'ctr', direction: 'drop', label: 'CTR' },
  { metric: 'click_to_signup_drop', kpi: 'clickToSignup', direction: 'drop', label: 'Click→signup rate' },
  {
    metric: 'signup_to_activation_drop',
    kpi: 'signupToActivation',
    direction: 'drop',
    label: 'Signup→activation rate',
  },
  { metric: 'cpc_spike', kpi: 'cpc', direction: 'spike', label: 'Cost per click' },
] as const satisfies readonly AlertMetricDefinition[];

export type AlertMetric = (typeof ALERT_METRIC_DEFINITIONS)[number]['metric'];

/** Every alert metric's name (the values of `alerts.metric` and of the GraphQL `AlertMetric` enum), in order. */
export const ALERT_METRICS: readonly AlertMetric[] = ALERT_METRIC_DEFINITIONS.map((d) => d.metric);

export const ALERT_METRIC_BY_NAME = Object.fromEntries(ALERT_METRIC_DEFINITIONS.map((d) => [d.metric, d])) as {
  readonly [M in AlertMetric]: Extract<(typeof ALERT_METRIC_DEFINITIONS)[number], { metric: M }>;
};

/** The counter that measures how much traffic a KPI's value rests on: a ratio's denominator, a cost's units. */
export function kpiVolumeCounter(kpi: KpiName) {
  const formula = KPIS[kpi].formula;
  return formula.kind === 'ratio' ? formula.denominator : formula.units;
}
