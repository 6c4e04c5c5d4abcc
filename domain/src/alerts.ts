import { COUNTERS, type CounterName, KPIS, type KpiName, type MetricName } from './metrics.ts';

/**
 * The anomaly alert metrics, as data over the registry's KPIs: each watches one KPI in one direction. The worker
 * computes their values with the registry's formulas (`kpiValue`), the server's `Alert.metric` enum and the dashboard
 * list them from here; adding an alert metric means adding a line here.
 * - `drop`: a conversion rate (a ratio KPI) fell against its baseline; judged by relative drop, a two-proportion
 *   z-score over the ratio's numerator and denominator, and volume (the denominator).
 * - `spike`: a cost per unit rose against its baseline; judged by the ratio window/baseline and volume (the units).
 * - `volume`: a count (impressions, clicks, …) fell against the count its baseline predicts for the window; judged by
 *   relative drop, a Poisson z-score and the expected count. Impressions falling to zero is "delivery stopped".
 * - `target`: a campaign's own number crossed the target its catalog row sets (budget, target CPA, target ROAS) by the
 *   rule's relative margin; judged per campaign over all its channels, only for campaigns that set the target.
 * Which detection methods and parameters judge them is a rule's business (alert-rules.ts).
 */

/** KPIs whose formula is a ratio of counters (rates, which can drop significantly). */
export type RatioKpiName = {
  [K in KpiName]: (typeof KPIS)[K]['formula']['kind'] extends 'ratio' ? K : never;
}[KpiName];

/** KPIs that are spend per unit (prices, which can spike). */
export type CostPerKpiName = {
  [K in KpiName]: (typeof KPIS)[K]['formula'] extends { readonly kind: 'per'; readonly amount: 'spend' } ? K : never;
}[KpiName];

/** The catalog targets a target rule judges a campaign against (the campaigns table's columns, camelCase). */
export type CampaignTargetName = 'dailyBudget' | 'targetCpa' | 'targetRoas';

interface AlertMetricText {
  readonly metric: string;
  /** Names the KPI in alert messages ("CTR dropped 45% …"). */
  readonly label: string;
  /** What it measures, for people (the schema's enum values say it). */
  readonly description: string;
}

/** Counters of events (not money): what a volume alert can watch. */
export type CountCounterName = {
  [C in CounterName]: (typeof COUNTERS)[C]['unit'] extends 'count' ? C : never;
}[CounterName];

export type AlertMetricDefinition =
  | (AlertMetricText & { readonly kind: 'rate'; readonly kpi: RatioKpiName; readonly direction: 'drop' })
  | (AlertMetricText & { readonly kind: 'cost'; readonly kpi: CostPerKpiName; readonly direction: 'spike' })
  | (AlertMetricText & { readonly kind: 'volume'; readonly counter: CountCounterName; readonly direction: 'drop' })
  | (AlertMetricText & {
      readonly kind: 'target';
      readonly target: CampaignTargetName;
      /** The registry metric compared with the target (spend: the projected end-of-day spend of today). */
      readonly watches: MetricName;
      readonly direction: 'above' | 'below';
    });

export const ALERT_METRIC_DEFINITIONS = [
  {
    metric: 'ctr_drop',
    kind: 'rate',
    kpi: 'ctr',
    direction: 'drop',
    label: 'CTR',
    description: 'CTR (clicks / impressions) dropped against its baseline.',
  },
  {
    metric: 'click_to_signup_drop',
    kind: 'rate',
    kpi: 'clickToSignup',
    direction: 'drop',
    label: 'Click→signup rate',
    description: 'The click→signup rate (signups / clicks) dropped against its baseline.',
  },
  {
    metric: 'signup_to_activation_drop',
    kind: 'rate',
    kpi: 'signupToActivation',
    direction: 'drop',
    label: 'Signup→activation rate',
    description: 'The signup→activation rate (activations / signups) dropped against its baseline.',
  },
  {
    metric: 'cpc_spike',
    kind: 'cost',
    kpi: 'cpc',
    direction: 'spike',
    label: 'Average CPC (spend / clicks)',
    description:
      'Average CPC (spend / clicks; spend is the cost of every event, as Google Ads and Meta report it) rose above its baseline.',
  },
  {
    metric: 'cpm_spike',
    kind: 'cost',
    kpi: 'cpm',
    direction: 'spike',
    label: 'CPM (spend per 1,000 impressions)',
    description: 'CPM (spend per 1,000 impressions) rose above its baseline.',
  },
  {
    metric: 'cost_per_signup_spike',
    kind: 'cost',
    kpi: 'costPerSignup',
    direction: 'spike',
    label: 'Cost per signup',
    description: 'Cost per signup (spend / signups, the cost per acquisition) rose above its baseline.',
  },
  {
    metric: 'cost_per_activation_spike',
    kind: 'cost',
    kpi: 'costPerActivation',
    direction: 'spike',
    label: 'Cost per activation',
    description: 'Cost per activation (spend / activations) rose above its baseline.',
  },
  {
    metric: 'impressions_drop',
    kind: 'volume',
    counter: 'impressions',
    direction: 'drop',
    label: 'Impressions',
    description:
      'Impressions per minute fell below what the baseline predicts; a 100% drop means delivery stopped (budget, disapproval, a broken tag).',
  },
  {
    metric: 'clicks_drop',
    kind: 'volume',
    counter: 'clicks',
    direction: 'drop',
    label: 'Clicks',
    description: 'Clicks per minute fell below what the baseline predicts.',
  },
  {
    metric: 'signups_drop',
    kind: 'volume',
    counter: 'signups',
    direction: 'drop',
    label: 'Signups',
    description: 'Signups per minute fell below what the baseline predicts (a broken form or tracking tag).',
  },
  {
    metric: 'projected_overspend',
    kind: 'target',
    target: 'dailyBudget',
    watches: 'spend',
    direction: 'above',
    label: 'Projected spend today',
    description:
      "The campaign's projected end-of-day spend (pacing: today's spend and the intraday shape of recent weeks) exceeds its daily budget.",
  },
  {
    metric: 'cpa_above_target',
    kind: 'target',
    target: 'targetCpa',
    watches: 'costPerActivation',
    direction: 'above',
    label: 'CPA (spend / activations)',
    description:
      "The campaign's CPA (spend / activations) over the rule's window is above its target CPA; spend without any activation counts as a CPA of the whole spend.",
  },
  {
    metric: 'roas_below_target',
    kind: 'target',
    target: 'targetRoas',
    watches: 'roas',
    direction: 'below',
    label: 'ROAS (revenue / spend)',
    description: "The campaign's ROAS (revenue / spend) over the rule's window is below its target ROAS.",
  },
] as const satisfies readonly AlertMetricDefinition[];

export type AlertMetric = (typeof ALERT_METRIC_DEFINITIONS)[number]['metric'];

/** Every alert metric's name (the values of `alerts.metric` and of the GraphQL `AlertMetric` enum), in order. */
export const ALERT_METRICS: readonly AlertMetric[] = ALERT_METRIC_DEFINITIONS.map((d) => d.metric);

export const ALERT_METRIC_BY_NAME = Object.fromEntries(ALERT_METRIC_DEFINITIONS.map((d) => [d.metric, d])) as {
  readonly [M in AlertMetric]: Extract<(typeof ALERT_METRIC_DEFINITIONS)[number], { metric: M }>;
};

export const ALERT_METRIC_DESCRIPTIONS = Object.fromEntries(
  ALERT_METRIC_DEFINITIONS.map((d) => [d.metric, d.description]),
) as Record<AlertMetric, string>;

export function isAlertMetric(value: string): value is AlertMetric {
  return (ALERT_METRICS as readonly string[]).includes(value);
}

/** The registry metric an alert metric watches: a KPI, or for volume alerts a counter (charts and formats use it). */
export function alertMetricWatches(metric: AlertMetric): MetricName {
  const definition: AlertMetricDefinition = ALERT_METRIC_BY_NAME[metric];
  if (definition.kind === 'volume') return definition.counter;
  return definition.kind === 'target' ? definition.watches : definition.kpi;
}

/**
 * Whether a lower value is the worse one for an alert of `metric` (a drop, a number below its target): the worst value
 * an open alert keeps is then the lowest, else the highest.
 */
export function alertWorseIsLower(metric: AlertMetric): boolean {
  const { direction } = ALERT_METRIC_BY_NAME[metric];
  return direction === 'drop' || direction === 'below';
}

/**
 * The channel value of an alert that judges a campaign over all its channels (target rules; the dashboard shows "all
 * channels"). Alerts are keyed by rule, campaign and channel, and a target rule writes only this channel, so it never
 * meets an alert of a real channel; a silence or filter naming one channel does not match it.
 */
export const ALL_CHANNELS = '*';

/** The counter that measures how much traffic a KPI's value rests on: a ratio's denominator, a per-unit's units. */
export function kpiVolumeCounter(kpi: KpiName) {
  const formula = KPIS[kpi].formula;
  return formula.kind === 'ratio' ? formula.denominator : formula.units;
}
