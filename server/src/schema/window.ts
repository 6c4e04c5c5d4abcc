import { GraphQLError } from 'graphql';
import { builder } from '../builder.ts';
import type { KpiFilter } from '../services/kpi-window.ts';
import {
  MAX_WINDOW_MINUTES,
  resolveWindow,
  windowMinutes,
  type TimeWindow,
  type WindowInput,
} from '../services/windows.ts';
import { InvalidArgumentError } from './error.ts';

export const WindowInputRef = builder.inputType('WindowInput', {
  description: `A time window: either \`lastMinutes\` (ending now) or \`from\` (+ \`to\`, default now). From 1 minute to ${MAX_WINDOW_MINUTES} minutes (90 days). Windows are half-open: [from, to).`,
  fields: (t) => ({
    lastMinutes: t.int({
      required: false,
      description: `The last N minutes ending now (1 .. ${MAX_WINDOW_MINUTES}); the original dashboard's realtime window.`,
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
  }),
});

/** GraphQL input → resolved window (throws InvalidArgumentError). */
export function windowFromArgs(input: {
  lastMinutes?: number | null;
  from?: Date | null;
  to?: Date | null;
}): TimeWindow {
  return resolveWindow(input as WindowInput);
}

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
