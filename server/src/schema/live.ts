import type { RollupsChangedPayload } from '@pmd/db';
import { GraphQLError } from 'graphql';
import { builder } from '../builder.ts';
import type { RequestContext } from '../context.ts';
import { liveWindow } from '../live/live-sums.ts';
import { mapStream } from '../live/stream.ts';
import { SHARED_LIVE_RESULTS } from '../plugins/shared-live-results.ts';
import { LiveViewLimitError, type LiveReads } from '../live/ticker.ts';
import { breakdown } from '../services/breakdown.ts';
import { funnel } from '../services/funnel.ts';
import { overview } from '../services/overview.ts';
import { breakdownArgs, BreakdownRef } from './breakdown.ts';
import { FunnelRef } from './funnel.ts';
import { comparisonWindow } from '../services/comparison.ts';
import { resolveWindow } from '../services/windows.ts';
import { comparisonFromArgs, ComparisonInputRef, OverviewRef } from './kpis.ts';
import { asGraphQLError, filterFromArgs, KpiFilterRef, WindowInputRef, windowFromArgs } from './window.ts';

const LIMITS =
  'A subscription that would pass `LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION` on its connection or `LIVE_MAX_SUBSCRIPTIONS` ' +
  'on the server, or start a new distinct view past `LIVE_MAX_VIEWS` on the server, fails with the error code ' +
  '`LIVE_VIEW_LIMIT` (extensions `limit`, `max`).';

const WINDOWS =
  "Live values are summed over whole minutes from the server's memory of recent minute rows: a window that ends now " +
  '(`lastMinutes`, `TODAY`, `THIS_MONTH`, `from` without `to`) ends at the end of the current minute instead, so events ' +
  'of the current minute count from the moment they are stored; `lastMinutes: N` covers the N minutes before that end. ' +
  "The value's `window` is exactly the range summed. Explicit instants are kept as given.";

const liveArgs = builder.args((t) => ({
  window: t.field({
    type: WindowInputRef,
    required: true,
    description: 'The window; `lastMinutes` slides with time, ending at the end of the current minute.',
  }),
  filter: t.field({ type: KpiFilterRef, required: false, description: 'Campaigns and channels to include.' }),
}));

/**
 * Validates the window at subscribe time; every tick re-resolves it (a `lastMinutes` window moves with now), ending at
 * the end of the current minute when it ends now (see `liveWindow`).
 */
function liveWindowOf(input: Parameters<typeof windowFromArgs>[0], defaultTimeZone: string) {
  let timeZone: string;
  try {
    timeZone = windowFromArgs(input, defaultTimeZone).timeZone!;
  } catch (error) {
    throw asGraphQLError(error);
  }
  // The zone is checked once here, not at every tick (checking a zone name builds an Intl formatter).
  const { timeZone: _checked, ...instants } = input;
  return () => liveWindow((now) => resolveWindow(instants, now, timeZone), input.lastMinutes != null);
}

/**
 * What the per-connection cap counts against. Over graphql-ws the context is built per subscribe, but from the
 * connection's own `extra` (its websocket); over SSE every HTTP request is a connection of its own.
 */
function connectionOf(ctx: RequestContext): object {
  const { extra } = ctx as { extra?: { socket?: object } };
  return extra?.socket ?? ctx.request ?? ctx;
}

/**
 * Joins (or starts) the shared computation of `kind` with these arguments: subscriptions asking for the same thing
 * share one, keyed by everything the value depends on. Over a cap only this operation fails, with LIVE_VIEW_LIMIT.
 */
function liveView<T>(ctx: RequestContext, kind: string, args: object, compute: (reads: LiveReads) => Promise<T>) {
  try {
    return ctx.tickers.subscribe(JSON.stringify([kind, args]), connectionOf(ctx), compute);
  } catch (error) {
    if (error instanceof LiveViewLimitError) {
      throw new GraphQLError(error.message, {
        extensions: { code: 'LIVE_VIEW_LIMIT', limit: error.limit, max: error.max },
      });
    }
    throw error;
  }
}

builder.subscriptionField('liveOverview', (t) =>
  t.field({
    authScopes: { reader: true },
    type: OverviewRef,
    extensions: { [SHARED_LIVE_RESULTS]: true },
    description: `The overview of a window: at once, then whenever new data arrives, at most once per second. ${WINDOWS} ${LIMITS}`,
    args: {
      ...liveArgs,
      compareTo: t.arg({
        type: ComparisonInputRef,
        required: false,
        description: 'What to compare with; default the previous window of equal length (it moves with the window).',
      }),
    },
    subscribe: (_root, args, ctx) => {
      const window = liveWindowOf(args.window, ctx.config.reportingTimeZone);
      const filter = filterFromArgs(args.filter);
      const compareTo = comparisonFromArgs(args.compareTo);
      // A bad custom range fails the subscribe itself, like a bad window, instead of every tick.
      try {
        comparisonWindow(window(), compareTo);
      } catch (error) {
        throw asGraphQLError(error);
      }
      return liveView(ctx, 'overview', args, ({ pool, sums }) => overview(pool, window(), filter, compareTo, sums));
    },
    resolve: (value) => value,
  }),
);

builder.subscriptionField('liveFunnel', (t) =>
  t.field({
    authScopes: { reader: true },
    type: FunnelRef,
    extensions: { [SHARED_LIVE_RESULTS]: true },
    description: `The funnel of a window: at once, then whenever new data arrives, at most once per second. ${WINDOWS} ${LIMITS}`,
    args: liveArgs,
    subscribe: (_root, args, ctx) => {
      const window = liveWindowOf(args.window, ctx.config.reportingTimeZone);
      const filter = filterFromArgs(args.filter);
      return liveView(ctx, 'funnel', args, ({ pool, sums }) => funnel(pool, window(), filter, sums));
    },
    resolve: (value) => value,
  }),
);

builder.subscriptionField('liveBreakdown', (t) =>
  t.field({
    authScopes: { reader: true },
    type: BreakdownRef,
    extensions: { [SHARED_LIVE_RESULTS]: true },
    description: `The breakdown of a window: at once, then whenever new data arrives, at most once per second. ${WINDOWS} ${LIMITS}`,
    args: breakdownArgs,
    subscribe: (_root, args, ctx) => {
      const window = liveWindowOf(args.window, ctx.config.reportingTimeZone);
      const filter = filterFromArgs(args.filter);
      const options = {
        by: args.by ?? undefined,
        sortBy: args.sortBy ?? undefined,
        descending: args.descending ?? undefined,
        thresholds: ctx.config.healthThresholds,
      };
      return liveView(ctx, 'breakdown', args, ({ pool, sums }) =>
        breakdown(pool, window(), filter, { ...options, sums }),
      );
    },
    resolve: (value) => value,
  }),
);

const MetricsUpdateRef = builder.objectRef<RollupsChangedPayload>('MetricsUpdate').implement({
  description: 'A worker run changed rollup rows.',
  fields: (t) => ({
    grain: t.exposeString('grain', { description: '`hour` or `day`.' }),
    buckets: t.exposeInt('buckets', {
      description: 'Buckets whose rollup row changed (recomputed rows that came out equal are not counted).',
    }),
    from: t.field({
      type: 'DateTime',
      description: 'Start of the oldest changed bucket.',
      resolve: (update) => update.from,
    }),
    to: t.field({
      type: 'DateTime',
      description: 'Start of the newest changed bucket.',
      resolve: (update) => update.to,
    }),
  }),
});

builder.subscriptionField('metricsUpdated', (t) =>
  t.field({
    authScopes: { reader: true },
    type: MetricsUpdateRef,
    description: 'Each worker run that changed hourly or daily rollups.',
    subscribe: (_root, _args, ctx) => mapStream(ctx.pubsub.subscribe('rollups:changed'), async (update) => update),
    resolve: (update) => update,
  }),
);
