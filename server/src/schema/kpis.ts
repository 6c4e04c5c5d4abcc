import {
  enumName,
  isPerUnit,
  isKpiName,
  MAX_WINDOW_MINUTES,
  METRIC_NAMES,
  metricDescription,
  type ChangeDirection,
  type ChangeUnit,
  type Kpis,
  type MetricChange,
  type MetricEnumName,
  type MetricName,
} from '@pmd/domain';
import { builder } from '../builder.ts';
import { PREVIOUS_PERIOD, type ComparisonInput, type ComparisonKind } from '../services/comparison.ts';
import { overview, type KpiChange, type Overview } from '../services/overview.ts';
import { InvalidArgumentError } from './error.ts';
import {
  filterFromArgs,
  KpiFilterRef,
  WindowInputRef,
  WindowCoverageRef,
  WindowRef,
  windowFromArgs,
} from './window.ts';
import { windowCoverage } from '../services/kpi-window.ts';

/** Costs per unit are null without units (`KpiValue`); counters and ratios are always numbers. */
const nullable = (name: MetricName) => isKpiName(name) && isPerUnit(name);

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
  description:
    'Relative change against the comparison window (by default the previous window of equal length): (current − previous) / previous.',
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

export const ComparisonKindEnum = builder.enumType('ComparisonKind', {
  description: 'What a window is compared with.',
  values: {
    PREVIOUS_PERIOD: {
      value: 'previousPeriod',
      description: 'The window of equal length that ends where this one starts (the default).',
    },
    SAME_PERIOD_LAST_WEEK: {
      value: 'samePeriodLastWeek',
      description:
        "Both ends moved back 7 local days in the window's `timeZone`: the same weekday and local time a week earlier (167 or 169 hours back across a DST change), so day/night and weekday swings do not read as changes.",
    },
    CUSTOM: {
      value: 'custom',
      description: 'The range `from`..`to` of `ComparisonInput`, of any length the window limits allow.',
    },
  } satisfies Record<string, { value: ComparisonKind; description: string }>,
});

export const ComparisonInputRef = builder.inputType('ComparisonInput', {
  description: `What to compare a window with: \`kind\`, and for \`CUSTOM\` the range [from, to) (both required; 1 to ${MAX_WINDOW_MINUTES} minutes, like a window). \`from\`/\`to\` with another kind is refused.`,
  fields: (t) => ({
    kind: t.field({ type: ComparisonKindEnum, required: true, description: 'Which comparison.' }),
    from: t.field({ type: 'DateTime', required: false, description: 'Start (inclusive) of a CUSTOM range.' }),
    to: t.field({ type: 'DateTime', required: false, description: 'End (exclusive) of a CUSTOM range.' }),
  }),
});

/** GraphQL input → the service's comparison (the previous period when absent). */
export function comparisonFromArgs(input: ComparisonInput | null | undefined): ComparisonInput {
  return input ?? PREVIOUS_PERIOD;
}

export const MetricEnum = builder.enumType('Metric', {
  description: 'A metric of the registry (a counter or a KPI); each is a field of `KpiTotals`.',
  values: Object.fromEntries(
    METRIC_NAMES.map((name) => [enumName(name), { value: name, description: metricDescription(name) }]),
  ) as Record<MetricEnumName, { value: MetricName; description: string }>,
});

export const ChangeUnitEnum = builder.enumType('ChangeUnit', {
  description:
    "How a metric's change is told (from the metric registry: rates in points, counts and money in percent).",
  values: {
    PERCENTAGE_POINTS: {
      value: 'percentagePoints',
      description:
        'A rate (CTR, click → signup, signup → activation): `absolute` × 100 points, e.g. 2% → 3% is +1.0 pp.',
    },
    PERCENT: {
      value: 'percent',
      description:
        'A count or money (impressions, spend, cost per signup, …): `relative` × 100 percent, e.g. 1,000 → 1,123 is +12.3%.',
    },
  } satisfies Record<string, { value: ChangeUnit; description: string }>,
});

export const ChangeDirectionEnum = builder.enumType('ChangeDirection', {
  description: 'Which way a metric moved, judged in its `ChangeUnit` as shown with one decimal.',
  values: {
    UP: { value: 'up', description: 'Higher than in the comparison window.' },
    DOWN: { value: 'down', description: 'Lower than in the comparison window.' },
    FLAT: { value: 'flat', description: 'Unchanged: the change rounds to 0.0 pp or 0.0%.' },
  } satisfies Record<string, { value: ChangeDirection; description: string }>,
});

export const KpiDeltaRef = builder.objectRef<MetricChange>('KpiDelta').implement({
  description:
    'One metric of a window against its comparison window. Every field but `metric`, `current` and `unit` is null when the comparison window holds no event (`Overview.comparisonHasData` false).',
  fields: (t) => ({
    metric: t.field({ type: MetricEnum, description: 'The metric.', resolve: (d) => d.metric }),
    current: t.float({
      nullable: true,
      description: 'Its value in the window (null: a cost per unit without units).',
      resolve: (d) => d.current,
    }),
    previous: t.float({
      nullable: true,
      description: 'Its value in the comparison window (null: a cost per unit without units).',
      resolve: (d) => d.previous,
    }),
    absolute: t.float({
      nullable: true,
      description:
        "current − previous in the metric's own unit (a rate's 0.01 is 1 percentage point); null when either is null or the comparison window is empty.",
      resolve: (d) => d.absolute,
    }),
    relative: t.float({
      nullable: true,
      description:
        '(current − previous) / previous (0.123 is +12.3%); 0 when both are 0; null when previous is 0 and current is not, when either is null, or when the comparison window is empty.',
      resolve: (d) => d.relative,
    }),
    unit: t.field({
      type: ChangeUnitEnum,
      description: 'How to tell this change: PERCENTAGE_POINTS from `absolute`, PERCENT from `relative`.',
      resolve: (d) => d.unit,
    }),
    direction: t.field({
      type: ChangeDirectionEnum,
      nullable: true,
      description: 'Which way it moved; null when `absolute` is null.',
      resolve: (d) => d.direction,
    }),
    good: t.boolean({
      nullable: true,
      description:
        'Whether the move is good news by the registry (more signups yes, a higher cost per signup no); null when FLAT, when there is no direction, or for a metric that is neither (spend).',
      resolve: (d) => d.good,
    }),
  }),
});

export const OverviewRef = builder.objectRef<Overview>('Overview').implement({
  description: 'The KPI cards: a window, its comparison window, and the change between them.',
  fields: (t) => ({
    window: t.field({ type: WindowRef, description: 'The window the totals cover.', resolve: (o) => o.window }),
    coverage: t.field({
      type: WindowCoverageRef,
      description:
        'Which part of the window `current` answers (all of it unless retention removed rows an edge needs).',
      resolve: (o) => windowCoverage(o.window),
    }),
    comparisonCoverage: t.field({
      type: WindowCoverageRef,
      description: 'Which part of `comparisonWindow` `previous` answers.',
      resolve: (o) => windowCoverage(o.comparisonWindow),
    }),
    comparison: t.field({
      type: ComparisonKindEnum,
      description: 'What the window is compared with (PREVIOUS_PERIOD unless `compareTo` said otherwise).',
      resolve: (o) => o.comparison,
    }),
    comparisonWindow: t.field({
      type: WindowRef,
      description: 'The window `previous` covers.',
      resolve: (o) => o.comparisonWindow,
    }),
    comparisonHasData: t.boolean({
      description:
        'False when the comparison window holds no event: "no data in the comparison period", and `changes` tell no change.',
      resolve: (o) => o.comparisonHasData,
    }),
    current: t.field({ type: KpiTotalsRef, description: 'Totals of the window.', resolve: (o) => o.current }),
    previous: t.field({
      type: KpiTotalsRef,
      description:
        'Totals of the comparison window (`comparisonWindow`; the previous window of equal length by default).',
      resolve: (o) => o.previous,
    }),
    change: t.field({
      type: KpiChangeRef,
      description: 'Relative change current vs previous (kept for existing clients; `changes` says more).',
      deprecationReason: 'Use `changes`: it tells rates in percentage points and says whether a move is good news.',
      resolve: (o) => o.change,
    }),
    changes: t.field({
      type: [KpiDeltaRef],
      description: 'Every metric against the comparison window, in registry order (counters first, then KPIs).',
      resolve: (o) => o.changes,
    }),
  }),
});

builder.queryField('overview', (t) =>
  t.field({
    authScopes: { reader: true },
    type: OverviewRef,
    description:
      'KPI totals of a window (exact, including events stored a moment ago) and their change against a comparison window (default: the previous window of equal length).',
    errors: {
      types: [InvalidArgumentError],
      directResult: true,
      union: { description: 'The overview, or why the window or the comparison was refused.' },
    },
    args: {
      window: t.arg({ type: WindowInputRef, required: true, description: 'The window.' }),
      filter: t.arg({ type: KpiFilterRef, required: false, description: 'Campaigns and channels to include.' }),
      compareTo: t.arg({
        type: ComparisonInputRef,
        required: false,
        description: 'What to compare with; default the previous window of equal length.',
      }),
    },
    resolve: (_root, args, ctx) =>
      overview(
        ctx.pool,
        windowFromArgs(args.window, ctx.config.reportingTimeZone, ctx.retention.settings()),
        filterFromArgs(args.filter),
        comparisonFromArgs(args.compareTo),
      ),
  }),
);
