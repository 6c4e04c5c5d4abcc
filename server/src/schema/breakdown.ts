import { enumName, METRIC_NAMES, metricDescription, type MetricEnumName } from '@pmd/domain';
import { builder } from '../builder.ts';
import { breakdown, type Breakdown, type BreakdownRow } from '../services/breakdown.ts';
import { InvalidArgumentError } from './error.ts';
import { KpiTotalsRef } from './kpis.ts';
import { filterFromArgs, KpiFilterRef, WindowInputRef, WindowRef, windowFromArgs } from './window.ts';

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

export const HealthStatusEnum = builder.enumType('HealthStatus', {
  description: "The original dashboard's campaign status.",
  values: {
    HEALTHY: { description: 'CTR and signup → activation at or above their thresholds.' },
    AT_RISK: { description: 'CTR or signup → activation below its threshold (default 0.02 and 0.4).' },
  } as const,
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
    status: t.field({ type: HealthStatusEnum, description: 'Healthy or At Risk.', resolve: (row) => row.status }),
    statusReasons: t.exposeStringList('statusReasons', { description: 'Why the row is At Risk (empty when healthy).' }),
  }),
});

export const BreakdownRef = builder.objectRef<Breakdown>('Breakdown').implement({
  description: 'KPIs of a window per campaign and/or channel.',
  fields: (t) => ({
    window: t.field({ type: WindowRef, description: 'The window the rows cover.', resolve: (b) => b.window }),
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
      breakdown(ctx.pool, windowFromArgs(args.window, ctx.config.reportingTimeZone), filterFromArgs(args.filter), {
        by: args.by ?? undefined,
        sortBy: args.sortBy ?? undefined,
        descending: args.descending ?? undefined,
        thresholds: ctx.config.healthThresholds,
      }),
  }),
);
