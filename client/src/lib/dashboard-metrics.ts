import { byFormat, METRIC_NAMES, type MetricName } from '@pmd/domain';

/**
 * Which registry metrics each surface shows. The lists here name what a surface leaves out, so a metric added to the
 * registry appears everywhere without being listed (its label, format, colouring and tooltip come from the registry);
 * the GraphQL documents must still select it, which `test/graphql-documents.spec.ts` checks. Order: counts, then
 * rates, then money.
 */

/**
 * Not on the KPI cards: click cost is part of spend, and two cards per cost (or per return) would crowd the grid; CPA
 * and ROAS are the cost and the return a marketer judges a campaign by (its targets are set on them).
 */
export const NOT_ON_CARDS = [
  'clickCost',
  'cpm',
  'costPerSignup',
  'revenuePerActivation',
] as const satisfies readonly MetricName[];
export type CardMetric = Exclude<MetricName, (typeof NOT_ON_CARDS)[number]>;
export const CARD_METRICS = shown(NOT_ON_CARDS);

/** Not in the campaign breakdown table (a row's cost per activation reads on its campaign page). */
export const NOT_IN_CAMPAIGN_TABLE = [...NOT_ON_CARDS, 'costPerActivation'] as const satisfies readonly MetricName[];
export type CampaignTableMetric = Exclude<MetricName, (typeof NOT_IN_CAMPAIGN_TABLE)[number]>;
export const CAMPAIGN_TABLE_METRICS = shown(NOT_IN_CAMPAIGN_TABLE);

/** Not in a campaign's hourly and daily rows: costs per unit of a single bucket are mostly empty or noise. */
export const NOT_IN_ROLLUP_TABLE = [
  'clickCost',
  'cpc',
  'cpm',
  'costPerSignup',
  'costPerActivation',
  'revenuePerActivation',
] as const satisfies readonly MetricName[];
export type RollupTableMetric = Exclude<MetricName, (typeof NOT_IN_ROLLUP_TABLE)[number]>;
export const ROLLUP_TABLE_METRICS = shown(NOT_IN_ROLLUP_TABLE);

/**
 * The campaigns index's numbers: the few a marketer scans a long list by (volume, the first rate, outcomes, money in
 * and out, and the two a campaign's targets judge: CPA and ROAS);
 * every other metric reads on the campaign's own page. Listed, unlike the above: a new registry metric should not
 * widen a 1,000-row table.
 */
export const CAMPAIGN_INDEX_METRICS = [
  'impressions',
  'clicks',
  'ctr',
  'signups',
  'activations',
  'spend',
  'revenue',
  'costPerActivation',
  'roas',
] as const satisfies readonly MetricName[];
export type CampaignIndexMetric = (typeof CAMPAIGN_INDEX_METRICS)[number];

function shown<Hidden extends MetricName>(hidden: readonly Hidden[]): Exclude<MetricName, Hidden>[] {
  return byFormat(METRIC_NAMES.filter((name) => !(hidden as readonly MetricName[]).includes(name))) as Exclude<
    MetricName,
    Hidden
  >[];
}
