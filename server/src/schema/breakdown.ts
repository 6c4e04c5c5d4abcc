import {
  DEFAULT_HEALTH_THRESHOLDS,
  enumName,
  HEALTH_EVIDENCE,
  HEALTH_RATIO_NAMES,
  HEALTH_RATIOS,
  METRIC_NAMES,
  metricDescription,
  type HealthCheck,
  type HealthRatioName,
  type HealthStatus,
  type HealthVerdict,
  type MetricEnumName,
} from '@pmd/domain';
import { builder } from '../builder.ts';
import { breakdown, type Breakdown, type BreakdownRow } from '../services/breakdown.ts';
import { InvalidArgumentError } from './error.ts';
import { KpiTotalsRef } from './kpis.ts';
import {
  filterFromArgs,
  KpiFilterRef,
  WindowInputRef,
  WindowCoverageRef,
  WindowRef,
  windowFromArgs,
} from './window.ts';
import { windowCoverage } from '../services/kpi-window.ts';

export const BreakdownDimensionEnum = builder.enumType('BreakdownDimension', {
  description: 'What a breakdown groups by.',
  values: {
    CAMPAIGN: { description: 'One row per campaign (all its channels).' },
    CHANNEL: { description: 'One row per channel (all campaigns).' },
    CAMPAIGN_CHANNEL: { description: 'One row per campaign and channel (the original campaign table).' },
  } as const,
});

// A sort key per registry metric (`enumName`: clickToSignup → CLICK_TO_SIGNUP), described by the registry.
export const BreakdownSortEnum = builder.enumType('BreakdownSort', {
  description: 'The metric a breakdown is sorted by (ties by campaign and channel; null costs last).',
  values: Object.fromEntries(
    METRIC_NAMES.map((name) => [enumName(name), { value: enumName(name), description: metricDescription(name) }]),
  ) as Record<MetricEnumName, { value: MetricEnumName; description: string }>,
});

const EVIDENCE = `below means the ${HEALTH_EVIDENCE.confidence * 100}% Wilson upper bound of the ratio is under its threshold (HEALTH_MIN_CTR, HEALTH_MIN_SIGNUP_TO_ACTIVATION; default ${DEFAULT_HEALTH_THRESHOLDS.minCtr} and ${DEFAULT_HEALTH_THRESHOLDS.minSignupToActivation}) with at least ${HEALTH_RATIO_NAMES.map((name) => `${HEALTH_RATIOS[name].minDenominator} ${HEALTH_RATIOS[name].denominatorLabel}`).join(' and ')}`;

export const HealthStatusEnum = builder.enumType('HealthStatus', {
  description: `A campaign row's status, judged on CTR and signup → activation: ${EVIDENCE}.`,
  values: {
    HEALTHY: { description: 'No ratio is below its threshold, and each had enough volume to tell.' },
    AT_RISK: { description: 'A ratio is convincingly below its threshold.' },
    NOT_ENOUGH_DATA: {
      description: 'No ratio is convincingly below, but one had too little volume, or was below with a bound above.',
    },
  } satisfies Record<HealthStatus, { description: string }>,
});

export const HealthRatioEnum = builder.enumType('HealthRatio', {
  description: 'A ratio the health status judges.',
  values: Object.fromEntries(
    HEALTH_RATIO_NAMES.map((name) => [enumName(name), { value: name, description: HEALTH_RATIOS[name].label }]),
  ) as Record<string, { value: HealthRatioName; description: string }>,
});

export const HealthVerdictEnum = builder.enumType('HealthVerdict', {
  description: "One ratio's verdict.",
  values: {
    OK: { description: 'At or above its threshold, with enough volume.' },
    BELOW: { description: 'Its upper bound is below the threshold.' },
    NOT_ENOUGH_DATA: { description: 'Too little volume, or below with an upper bound above the threshold.' },
  } satisfies Record<HealthVerdict, { description: string }>,
});

export const HealthCheckRef = builder.objectRef<HealthCheck>('HealthCheck').implement({
  description: `How one ratio of a row was judged: over a window ending at the view's end, at least ${HEALTH_EVIDENCE.judgingDelayFactor} × the p90 delay of its conversion step (see conversionDelays) and ${HEALTH_EVIDENCE.minJudgingMinutes} minutes, at most ${HEALTH_EVIDENCE.maxJudgingMinutes / 60} hours, never shorter than the view: a ratio over a window shorter than its step's delay misses the events still on their way.`,
  fields: (t) => ({
    ratio: t.field({ type: HealthRatioEnum, description: 'The ratio.', resolve: (check) => check.ratio }),
    verdict: t.field({ type: HealthVerdictEnum, description: 'Its verdict.', resolve: (check) => check.verdict }),
    judgedOverMinutes: t.exposeFloat('judgedOverMinutes', {
      description: "Minutes the sums below were collected over, ending at the view's end.",
    }),
    numerator: t.exposeFloat('numerator', { description: 'Clicks or activations in the judging window.' }),
    denominator: t.exposeFloat('denominator', { description: 'Impressions or signups in the judging window.' }),
    value: t.exposeFloat('value', { nullable: true, description: 'numerator / denominator; null without one.' }),
    upperBound: t.exposeFloat('upperBound', {
      nullable: true,
      description: `The ${HEALTH_EVIDENCE.confidence * 100}% Wilson score upper bound of the ratio; null without a denominator.`,
    }),
    threshold: t.exposeFloat('threshold', { description: 'The threshold it is judged against.' }),
    minDenominator: t.exposeInt('minDenominator', { description: 'The volume needed before it is judged.' }),
    reason: t.exposeString('reason', { nullable: true, description: 'Why, in words; null when OK.' }),
  }),
});

export const BreakdownRowRef = builder.objectRef<BreakdownRow>('BreakdownRow').implement({
  description: 'Totals of one campaign, channel, or campaign and channel.',
  fields: (t) => ({
    campaignId: t.exposeString('campaignId', {
      nullable: true,
      description: 'The campaign; null when grouped by CHANNEL.',
    }),
    channel: t.exposeString('channel', { nullable: true, description: 'The channel; null when grouped by CAMPAIGN.' }),
    totals: t.field({ type: KpiTotalsRef, description: 'Sums and KPIs of the row.', resolve: (row) => row.totals }),
    status: t.field({
      type: HealthStatusEnum,
      description: 'Healthy, At Risk or Not enough data (see HealthStatus and statusChecks).',
      resolve: (row) => row.health.status,
    }),
    statusReasons: t.stringList({
      description:
        'Why: the below ratios when At Risk, the inconclusive ones when Not enough data; empty when healthy.',
      resolve: (row) => row.health.reasons,
    }),
    statusChecks: t.field({
      type: [HealthCheckRef],
      description: 'How each ratio was judged: over which window, on what numbers, with what verdict.',
      resolve: (row) => row.health.checks,
    }),
  }),
});

export const BreakdownRef = builder.objectRef<Breakdown>('Breakdown').implement({
  description: 'KPIs of a window per campaign and/or channel.',
  fields: (t) => ({
    window: t.field({ type: WindowRef, description: 'The window the rows cover.', resolve: (b) => b.window }),
    coverage: t.field({
      type: WindowCoverageRef,
      description: 'Which part of the window the rows answer (all of it unless retention removed rows an edge needs).',
      resolve: (b) => windowCoverage(b.window),
    }),
    dimension: t.field({
      type: BreakdownDimensionEnum,
      description: 'What the rows group by.',
      resolve: (b) => b.dimension,
    }),
    rows: t.field({
      type: [BreakdownRowRef],
      description: 'Rows with data in the window, sorted.',
      resolve: (b) => b.rows,
    }),
  }),
});

/** The arguments breakdown and liveBreakdown share. */
export const breakdownArgs = builder.args((t) => ({
  window: t.field({ type: WindowInputRef, required: true, description: 'The window.' }),
  filter: t.field({ type: KpiFilterRef, required: false, description: 'Campaigns and channels to include.' }),
  by: t.field({
    type: BreakdownDimensionEnum,
    required: false,
    defaultValue: 'CAMPAIGN_CHANNEL',
    description: 'Grouping.',
  }),
  sortBy: t.field({ type: BreakdownSortEnum, required: false, defaultValue: 'CLICKS', description: 'Sort key.' }),
  descending: t.boolean({ required: false, defaultValue: true, description: 'Largest first (default).' }),
}));

builder.queryField('breakdown', (t) =>
  t.field({
    authScopes: { reader: true },
    type: BreakdownRef,
    description: 'KPIs per campaign, channel or both for a window, with the health status, sorted.',
    errors: {
      types: [InvalidArgumentError],
      directResult: true,
      union: { description: 'The breakdown, or why the window was refused.' },
    },
    args: breakdownArgs,
    resolve: (_root, args, ctx) =>
      breakdown(
        ctx.pool,
        windowFromArgs(args.window, ctx.config.reportingTimeZone, ctx.retention.settings()),
        filterFromArgs(args.filter),
        {
          by: args.by ?? undefined,
          sortBy: args.sortBy ?? undefined,
          descending: args.descending ?? undefined,
          thresholds: ctx.config.healthThresholds,
        },
      ),
  }),
);
