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
  /**
   * Over events of `eventType` (every event when null):
   * - `count`: how many;
   * - `cost`: the sum of their `cost`;
   * - `revenue`: the sum of their `revenue`;
   * - `spend`: the campaign's spend, by its `spend_source` (SPEND_SOURCE_RULE): the sum of the events' `cost` for a
   *   campaign whose spend comes from events, the imported spend (spend_imports, counted at each period's start) for
   *   one whose spend comes from imports.
   */
  readonly aggregation: 'count' | 'cost' | 'revenue' | 'spend';
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
    aggregation: 'spend',
    eventType: null,
    label: 'Spend',
    description:
      "What was spent (the original's `total_cost`): the cost of every event, whatever its type, for a campaign whose spend comes from events; the imported spend (counted at the start of each imported hour or day) for a campaign whose spend comes from imports.",
    unit: 'currency',
    higherIsBetter: null,
  },
  revenue: {
    column: 'revenue',
    aggregation: 'revenue',
    eventType: null,
    label: 'Revenue',
    description: 'Conversion value: the sum of `revenue` over every event (usually sent with activations).',
    unit: 'currency',
    higherIsBetter: true,
  },
} as const satisfies Record<string, CounterDefinition>;

export type CounterName = keyof typeof COUNTERS;
export const COUNTER_NAMES = Object.keys(COUNTERS) as CounterName[];

/** A value of each counter over some set of events. */
export type KpiSums = Record<CounterName, number>;

/**
 * - `ratio`: numerator / denominator, 0 when the denominator is 0 (the original's rule for conversion rates).
 * - `per`: amount / units × scale, null when there are no units ("no clicks" is not "free clicks", and ROAS without
 *   spend is not 0).
 * Over any window a KPI is computed from the window's sums, never averaged from per-bucket values.
 */
export type KpiFormula =
  | { readonly kind: 'ratio'; readonly numerator: CounterName; readonly denominator: CounterName }
  | { readonly kind: 'per'; readonly amount: CounterName; readonly units: CounterName; readonly scale: number };

export interface KpiDefinition {
  readonly formula: KpiFormula;
  readonly label: string;
  readonly description: string;
  /** `ratio`: a multiple such as ROAS 3.2× (formatted with an ×). */
  readonly format: 'percent' | 'currency' | 'ratio';
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
    formula: { kind: 'per', amount: 'spend', units: 'clicks', scale: 1 },
    label: 'CPC',
    description:
      'Average cost per click: spend / clicks, where spend is the cost of every event (as Google Ads and Meta report average CPC); null without clicks.',
    format: 'currency',
    higherIsBetter: false,
  },
  cpm: {
    formula: { kind: 'per', amount: 'spend', units: 'impressions', scale: 1000 },
    label: 'CPM',
    description: 'Spend per 1,000 impressions; null without impressions.',
    format: 'currency',
    higherIsBetter: false,
  },
  costPerSignup: {
    formula: { kind: 'per', amount: 'spend', units: 'signups', scale: 1 },
    label: 'Cost per signup',
    description: 'Spend / signups; null without signups.',
    format: 'currency',
    higherIsBetter: false,
  },
  costPerActivation: {
    formula: { kind: 'per', amount: 'spend', units: 'activations', scale: 1 },
    label: 'CPA',
    description:
      "Cost per acquisition, an acquisition being an activation (where revenue lands): spend / activations; null without activations. A campaign's target CPA is judged against it.",
    format: 'currency',
    higherIsBetter: false,
  },
  roas: {
    formula: { kind: 'per', amount: 'revenue', units: 'spend', scale: 1 },
    label: 'ROAS',
    description: 'Return on ad spend: revenue / spend (3 = $3 back per $1 spent); null without spend.',
    format: 'ratio',
    higherIsBetter: true,
  },
  revenuePerActivation: {
    formula: { kind: 'per', amount: 'revenue', units: 'activations', scale: 1 },
    label: 'Revenue per activation',
    description: 'Revenue / activations; null without activations.',
    format: 'currency',
    higherIsBetter: true,
  },
} as const satisfies Record<string, KpiDefinition>;

export type KpiName = keyof typeof KPIS;
export const KPI_NAMES = Object.keys(KPIS) as KpiName[];

/** Amounts per unit are null without units; ratios are always numbers. */
export type KpiValue<K extends KpiName> = (typeof KPIS)[K]['formula']['kind'] extends 'per' ? number | null : number;

/** Every counter and every KPI of a set of events. */
export type Kpis = KpiSums & { [K in KpiName]: KpiValue<K> };

/** Every metric by name: counters first, then KPIs (the order GraphQL fields, cards and columns follow). */
export const METRIC_NAMES = [...COUNTER_NAMES, ...KPI_NAMES] as const;
export type MetricName = CounterName | KpiName;

/** Whether a KPI is an amount per unit (null without units), not a conversion ratio. */
export function isPerUnit(name: KpiName): boolean {
  return KPIS[name].formula.kind === 'per';
}

/**
 * Where a campaign's spend comes from (campaigns.spend_source): the one rule behind the `spend` counter, stated in the
 * GraphQL schema and applied by ingest, spend imports, the KPI window's raw edges and the backfill.
 */
export const SPEND_SOURCES = ['events', 'imports'] as const;
export type SpendSource = (typeof SPEND_SOURCES)[number];
export const SPEND_SOURCE_RULE =
  "A campaign's spend comes from its events (the cost of every event) when its spendSource is EVENTS, the default, and from spend imports (each imported hour or day counted at its start, in full) when it is IMPORTS; its events' costs then count only in click cost (the cost of `ad_click` events). Changing the source recomputes the campaign's whole history.";
