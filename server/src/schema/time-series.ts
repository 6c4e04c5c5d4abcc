import { builder } from '../builder.ts';
import { timeSeries, type TimeSeries, type TimeSeriesPoint } from '../services/time-series.ts';
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

export const GranularityEnum = builder.enumType('Granularity', {
  description:
    "Size of a time-series bucket: hours and days are the local ones of the window's time zone (a day may last 23 or 25 hours, an hour 30 or 90 minutes at a DST change); minutes are the same everywhere.",
  values: {
    MINUTE: { value: 'minute', description: 'One point per minute.' },
    HOUR: { value: 'hour', description: 'One point per hour.' },
    DAY: { value: 'day', description: "One point per local day of the window's time zone." },
  } as const,
});

export const TimeSeriesPointRef = builder.objectRef<TimeSeriesPoint>('TimeSeriesPoint').implement({
  description: 'KPIs of one bucket (only the part of it inside the window).',
  fields: (t) => ({
    bucket: t.field({ type: 'DateTime', description: 'Start of the bucket.', resolve: (p) => p.bucket }),
    bucketEnd: t.field({
      type: 'DateTime',
      description: 'End of the bucket (exclusive): local days and hours differ in length across DST changes.',
      resolve: (p) => p.bucketEnd,
    }),
    partial: t.boolean({
      description:
        'True when the window covers only part of the bucket (its first or last bucket, or one not over yet): its totals are not comparable to whole buckets.',
      resolve: (p) => p.partial,
    }),
    totals: t.field({ type: KpiTotalsRef, description: 'Sums and KPIs of the bucket.', resolve: (p) => p.totals }),
  }),
});

export const TimeSeriesRef = builder.objectRef<TimeSeries>('TimeSeries').implement({
  description: 'KPIs of a window bucket by bucket; buckets without data are zeros.',
  fields: (t) => ({
    window: t.field({ type: WindowRef, description: 'The window the series covers.', resolve: (s) => s.window }),
    coverage: t.field({
      type: WindowCoverageRef,
      description:
        'Which part of the window the points answer (all of it unless retention removed rows an edge needs); buckets reaching outside it are `partial`.',
      resolve: (s) => windowCoverage(s.window, s.granularity),
    }),
    granularity: t.field({ type: GranularityEnum, description: 'Bucket size.', resolve: (s) => s.granularity }),
    points: t.field({
      type: [TimeSeriesPointRef],
      description: 'One point per bucket, oldest first.',
      resolve: (s) => s.points,
    }),
  }),
});

builder.queryField('timeSeries', (t) =>
  t.field({
    authScopes: { reader: true },
    type: TimeSeriesRef,
    description: 'Every KPI of a window per minute, hour or day (at most 20,000 points).',
    errors: {
      types: [InvalidArgumentError],
      directResult: true,
      union: { description: 'The time series, or why the window or granularity was refused.' },
    },
    args: {
      window: t.arg({ type: WindowInputRef, required: true, description: 'The window.' }),
      filter: t.arg({ type: KpiFilterRef, required: false, description: 'Campaigns and channels to include.' }),
      granularity: t.arg({ type: GranularityEnum, required: true, description: 'Bucket size.' }),
    },
    resolve: (_root, args, ctx) =>
      timeSeries(
        ctx.pool,
        windowFromArgs(args.window, ctx.config.reportingTimeZone, ctx.retention.settings()),
        args.granularity,
        filterFromArgs(args.filter),
      ),
  }),
);
