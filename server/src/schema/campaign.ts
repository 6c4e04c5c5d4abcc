import { GraphQLError } from 'graphql';
import { COUNTER_NAMES, COUNTERS, rollupField } from '@pmd/domain';
import { builder } from '../builder.ts';
import { campaignHourlyRows, findCampaign, listCampaigns, type CampaignSummary } from '../services/campaigns.ts';
import { NotFoundError } from './error.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const rollupFields = {
  ctr: 'clicks / impressions of the bucket.',
  clickToSignup: 'signups / clicks of the bucket.',
  signupToActivation: 'activations / signups of the bucket.',
};

/**
 * One field per registry counter, named as Prisma names its column (`total_cost` → `totalCost`). Counters are bigint
 * or numeric columns (a busy campaign-day passes 2^31), read by Prisma as bigint or Decimal: exposed as Float like the
 * KPI counts, since GraphQL's Int is 32-bit. Counts stay far below 2^53, so Number() is exact.
 */
function counterFields<Row extends object>(t: {
  float: (options: { description: string; resolve: (row: Row) => number }) => unknown;
}) {
  return Object.fromEntries(
    COUNTER_NAMES.map((name) => [
      rollupField(name),
      t.float({
        description: COUNTERS[name].description,
        resolve: (row) => Number((row as Record<string, unknown>)[rollupField(name)]),
      }),
    ]),
  );
}

export const CampaignMetricsHourlyRef = builder.prismaObject('CampaignMetricsHourly', {
  description: 'One hourly rollup row (worker task metrics_hourly) of a campaign and channel.',
  fields: (t) => ({
    campaignId: t.exposeString('campaignId', { description: 'The campaign.' }),
    channel: t.exposeString('channel', { description: 'The channel.' }),
    hour: t.expose('hour', { type: 'DateTime', description: 'Start of the UTC hour.' }),
    ...counterFields(t),
    ctr: t.exposeFloat('ctr', { description: rollupFields.ctr }),
    clickToSignup: t.exposeFloat('clickToSignup', { description: rollupFields.clickToSignup }),
    signupToActivation: t.exposeFloat('signupToActivation', { description: rollupFields.signupToActivation }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the worker last wrote the row.' }),
  }),
});

export const CampaignMetricsDailyRef = builder.prismaObject('CampaignMetricsDaily', {
  description: 'One daily rollup row (worker task metrics_daily) of a campaign and channel, UTC days.',
  fields: (t) => ({
    campaignId: t.exposeString('campaignId', { description: 'The campaign.' }),
    channel: t.exposeString('channel', { description: 'The channel.' }),
    day: t.string({ description: 'The UTC day, YYYY-MM-DD.', resolve: (row) => row.day.toISOString().slice(0, 10) }),
    ...counterFields(t),
    ctr: t.exposeFloat('ctr', { description: rollupFields.ctr }),
    clickToSignup: t.exposeFloat('clickToSignup', { description: rollupFields.clickToSignup }),
    signupToActivation: t.exposeFloat('signupToActivation', { description: rollupFields.signupToActivation }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the worker last wrote the row.' }),
  }),
});

function range(from: Date | null | undefined, to: Date | null | undefined, defaultSpanMs: number) {
  const end = to ?? new Date();
  const start = from ?? new Date(end.getTime() - defaultSpanMs);
  if (start >= end) throw new GraphQLError('`from` must be before `to`.', { extensions: { code: 'BAD_USER_INPUT' } });
  return { start, end };
}

export const CampaignRef = builder.objectRef<CampaignSummary>('Campaign').implement({
  description: 'A campaign seen in the events, with its channels and rollup rows.',
  fields: (t) => ({
    campaignId: t.exposeID('campaignId', { description: 'The campaign id, e.g. `camp_google_brand`.' }),
    channels: t.exposeStringList('channels', { description: 'Channels it ran on, sorted.' }),
    firstEventAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Time of its oldest stored event.',
      resolve: (c) => c.firstEventAt,
    }),
    lastEventAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Time of its newest stored event.',
      resolve: (c) => c.lastEventAt,
    }),
    hourlyMetrics: t.prismaField({
      type: ['CampaignMetricsHourly'],
      description:
        'Hourly rollup rows with hour in [from, to), oldest first; default the last 48 hours. As stored by the worker: UTC hours. For hours of a reporting time zone use `timeSeries(granularity: HOUR, window: { timeZone })`.',
      args: {
        from: t.arg({ type: 'DateTime', required: false, description: 'Earliest hour (inclusive).' }),
        to: t.arg({ type: 'DateTime', required: false, description: 'Latest hour (exclusive); default now.' }),
        channel: t.arg.string({ required: false, description: 'Only this channel.' }),
      },
      resolve: (query, campaign, args, ctx) => {
        const { start, end } = range(args.from, args.to, 48 * HOUR_MS);
        const filter = { campaignId: campaign.campaignId, from: start, to: end, channel: args.channel };
        return campaignHourlyRows(ctx.db, filter, query);
      },
    }),
    dailyMetrics: t.prismaField({
      type: ['CampaignMetricsDaily'],
      description:
        'Daily rollup rows of every UTC day that overlaps [from, to), oldest first; default from 30 days ago through today. As stored by the worker: UTC days. For days of a reporting time zone use `timeSeries(granularity: DAY, window: { timeZone })`, exact in any zone.',
      args: {
        from: t.arg({ type: 'DateTime', required: false, description: 'Earliest day (the UTC day containing it).' }),
        to: t.arg({
          type: 'DateTime',
          required: false,
          description:
            "Exclusive end: the UTC day containing it is included unless `to` is that day's midnight; default now.",
        }),
        channel: t.arg.string({ required: false, description: 'Only this channel.' }),
      },
      resolve: (query, campaign, args, ctx) => {
        const { start, end } = range(args.from, args.to, 30 * DAY_MS);
        // Rows are keyed by the day's start: a day overlaps [start, end) when it starts before `end` and ends after
        // `start`. `day` is a DATE column, so the bounds must be whole days (a time of day would be cut off).
        const firstDay = new Date(Math.floor(start.getTime() / DAY_MS) * DAY_MS);
        const afterLastDay = new Date(Math.ceil(end.getTime() / DAY_MS) * DAY_MS);
        return ctx.db.campaignMetricsDaily.findMany({
          ...query,
          where: {
            campaignId: campaign.campaignId,
            day: { gte: firstDay, lt: afterLastDay },
            ...(args.channel ? { channel: args.channel } : {}),
          },
          orderBy: [{ day: 'asc' }, { channel: 'asc' }],
        });
      },
    }),
  }),
});

builder.queryField('campaigns', (t) =>
  t.field({
    authScopes: { reader: true },
    type: [CampaignRef],
    description: 'Every campaign that has events, by id.',
    resolve: (_root, _args, ctx) => listCampaigns(ctx.pool),
  }),
);

builder.queryField('campaign', (t) =>
  t.field({
    authScopes: { reader: true },
    type: CampaignRef,
    description: 'One campaign by id; NotFoundError when it has no events.',
    errors: { types: [NotFoundError], directResult: true, union: { description: 'The campaign, or NotFoundError.' } },
    args: { campaignId: t.arg.string({ required: true, description: 'The campaign id.' }) },
    resolve: async (_root, { campaignId }, ctx) => {
      const campaign = await findCampaign(ctx.pool, campaignId);
      if (!campaign) throw new NotFoundError(`No campaign "${campaignId}" has any events.`, 'Campaign', campaignId);
      return campaign;
    },
  }),
);
