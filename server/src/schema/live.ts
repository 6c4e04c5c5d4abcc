import type { RollupsChangedPayload } from '@pmd/db';
import { builder } from '../builder.ts';
import { mapStream } from '../live/stream.ts';
import { breakdown } from '../services/breakdown.ts';
import { funnel } from '../services/funnel.ts';
import { overview } from '../services/overview.ts';
import { breakdownArgs, BreakdownRef } from './breakdown.ts';
import { FunnelRef } from './funnel.ts';
import { OverviewRef } from './kpis.ts';
import { asGraphQLError, filterFromArgs, KpiFilterRef, WindowInputRef, windowFromArgs } from './window.ts';

const liveArgs = builder.args((t) => ({
  window: t.field({ type: WindowInputRef, required: true, description: 'The window; `lastMinutes` slides with time.' }),
  filter: t.field({ type: KpiFilterRef, required: false, description: 'Campaigns and channels to include.' }),
}));

/** Validates the window at subscribe time; every tick re-resolves it (a `lastMinutes` window moves with now). */
function liveWindow(input: Parameters<typeof windowFromArgs>[0]) {
  try {
    windowFromArgs(input);
  } catch (error) {
    throw asGraphQLError(error);
  }
  return () => windowFromArgs(input);
}

/** Subscriptions asking for the same thing share one computation: the key is everything the value depends on. */
const liveKey = (kind: string, args: object) => JSON.stringify([kind, args]);

builder.subscriptionField('liveOverview', (t) =>
  t.field({
    authScopes: { reader: true },
    type: OverviewRef,
    description: 'The overview of a window: at once, then whenever new data arrives, at most once per second.',
    args: liveArgs,
    subscribe: (_root, args, ctx) => {
      const window = liveWindow(args.window);
      const filter = filterFromArgs(args.filter);
      return ctx.tickers.subscribe(liveKey('overview', args), () => overview(ctx.pool, window(), filter));
    },
    resolve: (value) => value,
  }),
);

builder.subscriptionField('liveFunnel', (t) =>
  t.field({
    authScopes: { reader: true },
    type: FunnelRef,
    description: 'The funnel of a window: at once, then whenever new data arrives, at most once per second.',
    args: liveArgs,
    subscribe: (_root, args, ctx) => {
      const window = liveWindow(args.window);
      const filter = filterFromArgs(args.filter);
      return ctx.tickers.subscribe(liveKey('funnel', args), () => funnel(ctx.pool, window(), filter));
    },
    resolve: (value) => value,
  }),
);

builder.subscriptionField('liveBreakdown', (t) =>
  t.field({
    authScopes: { reader: true },
    type: BreakdownRef,
    description: 'The breakdown of a window: at once, then whenever new data arrives, at most once per second.',
    args: breakdownArgs,
    subscribe: (_root, args, ctx) => {
      const window = liveWindow(args.window);
      const filter = filterFromArgs(args.filter);
      const options = {
        by: args.by ?? undefined,
        sortBy: args.sortBy ?? undefined,
        descending: args.descending ?? undefined,
        thresholds: ctx.config.healthThresholds,
      };
      return ctx.tickers.subscribe(liveKey('breakdown', args), () => breakdown(ctx.pool, window(), filter, options));
    },
    resolve: (value) => value,
  }),
);

const MetricsUpdateRef = builder.objectRef<RollupsChangedPayload>('MetricsUpdate').implement({
  description: 'A worker run changed rollup rows.',
  fields: (t) => ({
    grain: t.exposeString('grain', { description: '`hour` or `day`.' }),
    buckets: t.exposeInt('buckets', { description: 'Buckets recomputed.' }),
    from: t.field({ type: 'DateTime', description: 'Oldest bucket start.', resolve: (update) => update.from }),
    to: t.field({ type: 'DateTime', description: 'Newest bucket start.', resolve: (update) => update.to }),
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
