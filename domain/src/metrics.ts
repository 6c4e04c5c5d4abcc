/**
 * The metric registry: every counter (what a rollup row stores) and every KPI (what is derived from counters),
 * defined once. The ingest statement, the rollups, window sums, alerts, GraphQL fields, REST rows, the dashboard and
 * the test oracles are derived from these two objects; adding a metric means adding it here (and its column in a
 * migration).
 */

export const EVENT_TYPES = ['ad_impression', 'ad_click', 'signup', 'activation'] as const;
export type EventTypeName = (typeof EVENT_TYPES)[number];

/** A number stored per (campaign, channel, bucket) in the minute, hourly and daily rollup tables. */
export interface CounterDefinition {
  /** Its column in `campaign_metrics_minute`, `_hourly` and `_daily` (and the original's REST rows). */
  readonly column: string;
  /** `count`: events of `eventType`; `cost`: the sum of `cost` over events of `eventType` (every event when null). */
  readonly aggregation: 'count' | 'cost';
  readonly eventType: EventTypeName | null;
  readonly label: string;
  readonly description: string;
  readonly unit: 'count' | 'currency';
  /** Whether more of it is good news for the advertiser (spend is neither: null). */
  readonly higherIsBetter: boolean | null;
}

export const COUNTERS = {
  impressions: {
    column: 'impressions',
    aggregation: 'count',
    eventType: 'ad_impression',
    label: 'Impressions',
    description: 'Ads shown (`ad_impression` events).',
    unit: 'count',
    higherIsBetter: true,
  },
  clicks: {
    column: 'clicks',
    aggregation: 'count',
    eventType: 'ad_click',
    label: 'Clicks',
    description: 'Ads clicked (`ad_click` events).',
    unit: 'count',
    higherIsBetter: true,
  },
  signups: {
    column: 'signups',
    aggregation: 'count',
    eventType: 'signup',
    label: 'Signups',
    description: 'Users who signed up (`signup` events).',
    unit: 'count',
    higherIsBetter: true,
  },
  activations: {
    column: 'activations',
    aggregation: 'count',
    eventType: 'activation',
    label: 'Activations',
    description: 'Signed-up users who activated (`activation` events).',
    unit: 'count',
    higherIsBetter: true,
  },
  clickCost: {
    column: 'cost',
    aggregation: 'cost',
    eventType: 'ad_click',
    label: 'Click cost',
    description: "Cost of `ad_click` events only (the original system's `cost` column); spend includes it.",
    unit: 'currency',
    higherIsBetter: null,
  },
  spend: {
    column: 'total_cost',
    aggregation: 'cost',
    eventType: null,
    label: 'Spend',
    description: "Cost of every event, whatever its type: what was spent (the original's `total_cost`).",
    unit: 'currency',
    higherIsBetter: null,
  },
} as const satisfies Record<string, CounterDefinition>;

export type CounterName = keyof typeof COUNTERS;
export const COUNTER_NAMES = Object.keys(COUNTERS) as CounterName[];

/** A value of each counter over some set of events. */
export type KpiSums = Record<CounterName, number>;

/**
 * - `ratio`: numerator / denominator, 0 when the denominator is 0 (the original's rule for conversion rates).
 * - `costPer`: cost / units × scale, null when there are no units ("no clicks" is not "free clicks").
 * Over any window a KPI is computed from the window's sums, never averaged from per-bucket values.
 */
export type KpiFormula =
  | { readonly kind: 'ratio'; readonly numerator: CounterName; readonly denominator: CounterName }
  | { readonly kind: 'costPer'; readonly cost: CounterName; readonly units: CounterName; readonly scale: number };

export interface KpiDefinition {
  readonly formula: KpiFormula;
  readonly label: string;
  readonly description: string;
  readonly format: 'percent' | 'currency';
  readonly higherIsBetter: boolean;
}

export const KPIS = {
  ctr: {
    formula: { kind: 'ratio', numerator: 'clicks', denominator: 'impressions' },
    label: 'CTR',
    description: 'Click-through rate: clicks / impressions (0 when there are no impressions).',
    format: 'percent',
    higherIsBetter: true,
  },
  clickToSignup: {
    formula: { kind: 'ratio', numerator: 'signups', denominator: 'clicks' },
    label: 'Click → signup',
    description: 'Signups / clicks (0 when there are no clicks).',
    format: 'percent',
    higherIsBetter: true,
  },
  signupToActivation: {
    formula: { kind: 'ratio', numerator: 'activations', denominator: 'signups' },
    label: 'Signup → activation',
    description: 'Activations / signups (0 when there are no signups).',
    format: 'percent',
    higherIsBetter: true,
  },
  cpc: {
    formula: { kind: 'costPer', cost: 'spend', units: 'clicks', scale: 1 },
    label: 'CPC',
    description:
      'Average cost per click: spend / clicks, where spend is the cost of every event (as Google Ads and Meta report average CPC); null without clicks.',
    format: 'currency',
    higherIsBetter: false,
  },
  cpm: {
    formula: { kind: 'costPer', cost: 'spend', units: 'impressions', scale: 1000 },
    label: 'CPM',
    description: 'Spend per 1,000 impressions; null without impressions.',
    format: 'currency',
    higherIsBetter: false,
  },
  costPerSignup: {
    formula: { kind: 'costPer', cost: 'spend', units: 'signups', scale: 1 },
    label: 'Cost per signup',
    description: 'Spend / signups; null without signups.',
    format: 'currency',
    higherIsBetter: false,
  },
  costPerActivation: {
    formula: { kind: 'costPer', cost: 'spend', units: 'activations', scale: 1 },
    label: 'Cost per activation',
    description: 'Spend / activations; null without activations.',
    format: 'currency',
    higherIsBetter: false,
  },
} as const satisfies Record<string, KpiDefinition>;

export type KpiName = keyof typeof KPIS;
export const KPI_NAMES = Object.keys(KPIS) as KpiName[];

/** Costs per unit are null without units; ratios are always numbers. */
export type KpiValue<K extends KpiName> = (typeof KPIS)[K]['formula']['kind'] extends 'costPer'
  ? number | null
  : number;

/** Every counter and every KPI of a set of events. */
export type Kpis = KpiSums & { [K in KpiName]: KpiValue<K> };

/** Every metric by name: counters first, then KPIs (the order GraphQL fields, cards and columns follow). */
export const METRIC_NAMES = [...COUNTER_NAMES, ...KPI_NAMES] as const;
export type MetricName = CounterName | KpiName;

export function isCostPer(name: KpiName): boolean {
  return KPIS[name].formula.kind === 'costPer';
}
