import { GraphQLError } from 'graphql';
import { builder } from '../builder.ts';
import type { KpiFilter } from '../services/kpi-window.ts';
import { DEFAULT_TIME_ZONE, keptRows, MAX_TIME_ZONE_LENGTH, type RetentionSettings } from '@pmd/domain';
import type { WindowCoverage } from '../services/window-plan.ts';
import {
  MAX_WINDOW_MINUTES,
  resolveWindow,
  windowMinutes,
  type CalendarPeriod,
  type TimeWindow,
  type WindowInput,
} from '../services/windows.ts';
import { InvalidArgumentError } from './error.ts';

export const CalendarPeriodEnum = builder.enumType('CalendarPeriod', {
  description: 'A calendar window of the reporting time zone, resolved against now.',
  values: {
    TODAY: { value: 'today', description: 'From local midnight of the reporting zone until now (not over yet).' },
    YESTERDAY: {
      value: 'yesterday',
      description: 'The whole previous local day (23 or 25 hours long on DST changes).',
    },
    LAST_7_DAYS: { value: 'last7Days', description: 'The 7 whole local days before today.' },
    LAST_28_DAYS: { value: 'last28Days', description: 'The 28 whole local days before today.' },
    THIS_MONTH: { value: 'thisMonth', description: 'From the first local midnight of this month until now.' },
  } satisfies Record<string, { value: CalendarPeriod; description: string }>,
});

export const WindowInputRef = builder.inputType('WindowInput', {
  description: `A time window: \`lastMinutes\` (ending now), a calendar \`period\`, or \`from\` (+ \`to\`, default now). From 1 minute to ${MAX_WINDOW_MINUTES} minutes (90 days). Windows are half-open: [from, to). \`timeZone\` says in which zone days and hours are counted (buckets, periods).`,
  fields: (t) => ({
    lastMinutes: t.int({
      required: false,
      description: `The last N minutes ending now (1 .. ${MAX_WINDOW_MINUTES}); the original dashboard's realtime window.`,
    }),
    period: t.field({
      type: CalendarPeriodEnum,
      required: false,
      description:
        'A calendar window of the reporting time zone (today, yesterday, …) instead of lastMinutes or from/to.',
    }),
    timeZone: t.string({
      required: false,
      description: `IANA time zone (e.g. \`Asia/Kolkata\`, \`America/New_York\`; at most ${MAX_TIME_ZONE_LENGTH} characters) whose local days and hours are the buckets and periods; default the server's REPORTING_TIME_ZONE (${DEFAULT_TIME_ZONE} unless configured).`,
    }),
    from: t.field({ type: 'DateTime', required: false, description: 'Start of the window (inclusive).' }),
    to: t.field({ type: 'DateTime', required: false, description: 'End of the window (exclusive); default now.' }),
  }),
});

export const KpiFilterRef = builder.inputType('KpiFilter', {
  description: 'Restricts KPIs to some campaigns and/or channels; an empty or missing list means all.',
  fields: (t) => ({
    campaignIds: t.stringList({ required: false, description: 'Only these campaign ids.' }),
    channels: t.stringList({ required: false, description: 'Only these channels (e.g. `google`, `meta`).' }),
  }),
});

export const WindowRef = builder.objectRef<TimeWindow>('Window').implement({
  description: 'The resolved window [from, to) a result covers.',
  fields: (t) => ({
    from: t.field({ type: 'DateTime', description: 'Start (inclusive).', resolve: (window) => window.from }),
    to: t.field({ type: 'DateTime', description: 'End (exclusive).', resolve: (window) => window.to }),
    minutes: t.float({ description: 'Length in minutes.', resolve: windowMinutes }),
    timeZone: t.string({
      description: 'The IANA zone its days and hours are counted in.',
      resolve: (window) => window.timeZone ?? DEFAULT_TIME_ZONE,
    }),
  }),
});

/**
 * GraphQL input → resolved window in its zone or `defaultTimeZone` (throws InvalidArgumentError), with what
 * `retention` keeps at this moment (reads answer only what the kept rows can: see WindowCoverage).
 */
export function windowFromArgs(input: WindowInput, defaultTimeZone: string, retention?: RetentionSettings): TimeWindow {
  const now = new Date();
  const window = resolveWindow(input, now, defaultTimeZone);
  return retention ? { ...window, kept: keptRows(now, retention) } : window;
}

export const WindowCoverageRef = builder.objectRef<WindowCoverage>('WindowCoverage').implement({
  description:
    'Which part of the window the totals answer. Retention drops raw events (RAW_EVENTS_RETENTION_DAYS) and trims minute rows (MINUTE_ROWS_RETENTION_DAYS); hourly and daily rollups are kept. Whole hours and days of any age are answered from the rollups, but an edge inside a minute needs raw events and an edge inside an hour (a window end, or a local hour or day boundary of a zone whose offset is not whole hours) needs minute rows. Where those are gone, the start is moved forward and the end back to the nearest edge whose rows exist, and the totals are exactly those of [answeredFrom, answeredTo).',
  fields: (t) => ({
    complete: t.exposeBoolean('complete', {
      description: 'True when the whole window is answered (answeredFrom = from, answeredTo = to).',
    }),
    answeredFrom: t.field({
      type: 'DateTime',
      description: 'Start (inclusive) of the range actually summed.',
      resolve: (coverage) => coverage.answered.from,
    }),
    answeredTo: t.field({
      type: 'DateTime',
      description:
        'End (exclusive) of the range actually summed; equal to answeredFrom when nothing could be answered.',
      resolve: (coverage) => coverage.answered.to,
    }),
    reason: t.exposeString('reason', {
      nullable: true,
      description: 'Why the window was cut: which rows are gone from when, and the setting; null when complete.',
    }),
  }),
});

export function filterFromArgs(
  input: { campaignIds?: string[] | null; channels?: string[] | null } | null | undefined,
): KpiFilter {
  return { campaignIds: input?.campaignIds ?? null, channels: input?.channels ?? null };
}

/** Subscriptions cannot return error unions: bad arguments become a GraphQL error the client sees (not masked). */
export function asGraphQLError(error: unknown): unknown {
  if (error instanceof InvalidArgumentError) {
    return new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT', argument: error.argument } });
  }
  return error;
}
