import { isCostPer, isKpiName, METRIC_NAMES, metricDescription, type Kpis, type MetricName } from '@pmd/domain';
import { builder } from '../builder.ts';
import { overview, type KpiChange, type Overview } from '../services/overview.ts';
import { InvalidArgumentError } from './error.ts';
import { filterFromArgs, KpiFilterRef, WindowInputRef, WindowRef, windowFromArgs } from './window.ts';

/** Costs per unit are null without units (`KpiValue`); counters and ratios are always numbers. */
const nullable = (name: MetricName) => isKpiName(name) && isCostPer(name);

// Fields generated from the registry (descriptions included), counters first: a metric added there is a field here.
export const KpiTotalsRef = builder.objectRef<Kpis>('KpiTotals').implement({
  description: 'Sums of a window and the KPIs derived from them (ratios of sums, never averages of ratios).',
  fields: (t) =>
    Object.fromEntries(
      METRIC_NAMES.map((name) => [
        name,
        nullable(name)
          ? t.float({ nullable: true, description: metricDescription(name), resolve: (kpis) => kpis[name] })
          : // Counters and ratios are numbers (`Kpis`' type says so per name; indexed by a union it cannot).
            t.float({ description: metricDescription(name), resolve: (kpis) => kpis[name] as number }),
      ]),
    ),
});

export const KpiChangeRef = builder.objectRef<KpiChange>('KpiChange').implement({
  description: 'Relative change against the previous window of equal length: (current − previous) / previous.',
  fields: (t) =>
    Object.fromEntries(
      METRIC_NAMES.map((name) => [
        name,
        t.float({
          nullable: true,
          description: `Relative change of ${name} (${metricDescription(name)}): (current − previous) / previous; null when previous is 0 or undefined.`,
          resolve: (change) => change[name],
        }),
      ]),
    ),
});

export const OverviewRef = builder.objectRef<Overview>('Overview').implement({
  description: 'The KPI cards: a window, the previous window of equal length, and the change between them.',
  fields: (t) => ({
    window: t.field({ type: WindowRef, description: 'The window the totals cover.', resolve: (o) => o.window }),
    current: t.field({ type: KpiTotalsRef, description: 'Totals of the window.', resolve: (o) => o.current }),
    previous: t.field({
      type: KpiTotalsRef,
      description: 'Totals of the previous window of equal length.',
      resolve: (o) => o.previous,
    }),
    change: t.field({
      type: KpiChangeRef,
      description: 'Relative change current vs previous.',
      resolve: (o) => o.change,
    }),
  }),
});

builder.queryField('overview', (t) =>
  t.field({
    authScopes: { reader: true },
    type: OverviewRef,
    description:
      'KPI totals of a window (exact, including events stored a moment ago) and their change against the previous window.',
    errors: {
      types: [InvalidArgumentError],
      directResult: true,
      union: { description: 'The overview, or why the window was refused.' },
    },
    args: {
      window: t.arg({ type: WindowInputRef, required: true, description: 'The window.' }),
      filter: t.arg({ type: KpiFilterRef, required: false, description: 'Campaigns and channels to include.' }),
    },
    resolve: (_root, args, ctx) =>
      overview(ctx.pool, windowFromArgs(args.window, ctx.config.reportingTimeZone), filterFromArgs(args.filter)),
  }),
);
