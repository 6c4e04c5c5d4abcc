/**
 * The anomaly metrics the worker alerts on: stored as text in `alerts.metric` (and in REST's `metric` as is), a GraphQL
 * enum on the server. Every package reads this one list.
 */
export const ALERT_METRICS = ['ctr_drop', 'click_to_signup_drop', 'signup_to_activation_drop', 'cpc_spike'] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];

/** What each metric measures, for people (the schema's enum values and the worker's README say the same). */
export const ALERT_METRIC_DESCRIPTIONS: Record<AlertMetric, string> = {
  ctr_drop: 'CTR (clicks / impressions) dropped against its baseline.',
  click_to_signup_drop: 'The click→signup rate (signups / clicks) dropped against its baseline.',
  signup_to_activation_drop: 'The signup→activation rate (activations / signups) dropped against its baseline.',
  cpc_spike:
    'Average CPC (spend / clicks; spend is the cost of every event, as Google Ads and Meta report it) rose above its baseline.',
};

export function isAlertMetric(value: string): value is AlertMetric {
  return (ALERT_METRICS as readonly string[]).includes(value);
}
