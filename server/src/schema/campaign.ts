import { GraphQLError } from 'graphql';
import {
  CAMPAIGN_LIMITS,
  CAMPAIGN_OBJECTIVES,
  CAMPAIGN_STATUSES,
  COUNTER_NAMES,
  COUNTERS,
  MAX_ID_LENGTH,
  rollupField,
  SPEND_SOURCE_RULE,
  SPEND_SOURCES,
} from '@pmd/domain';
import { builder } from '../builder.ts';
import {
  campaignHourlyRows,
  findCampaign,
  listCampaigns,
  updateCampaign,
  type CampaignSummary,
} from '../services/campaigns.ts';
import { CampaignValidationError, type CampaignIssue } from '../services/errors.ts';
import { ErrorInterface, NotFoundError } from './error.ts';

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

/** A GraphQL enum of a domain list: each lower-case database value under its upper-case name. */
function enumValues<Value extends string>(values: readonly Value[], describe: (value: Value) => string) {
  return Object.fromEntries(
    values.map((value) => [value.toUpperCase(), { value, description: describe(value) }]),
  ) as Record<Uppercase<Value>, { value: Value; description: string }>;
}

const OBJECTIVE_DESCRIPTIONS: Record<(typeof CAMPAIGN_OBJECTIVES)[number], string> = {
  awareness: 'Reach and impressions.',
  traffic: 'Clicks to the site.',
  leads: 'Signups.',
  sales: 'Purchases (revenue).',
  app_installs: 'App installs (activations).',
};
const STATUS_DESCRIPTIONS: Record<(typeof CAMPAIGN_STATUSES)[number], string> = {
  active: 'Running.',
  paused: 'Stopped for now.',
  ended: 'Over; its numbers stay.',
};
const SOURCE_DESCRIPTIONS: Record<(typeof SPEND_SOURCES)[number], string> = {
  events: 'Spend is the cost of its events.',
  imports: 'Spend is its imported spend (importSpend, POST /spend); event costs are not counted as spend.',
};

export const CampaignObjectiveEnum = builder.enumType('CampaignObjective', {
  description: 'What a campaign is for.',
  values: enumValues(CAMPAIGN_OBJECTIVES, (value) => OBJECTIVE_DESCRIPTIONS[value]),
});
export const CampaignStatusEnum = builder.enumType('CampaignStatus', {
  description: 'Whether a campaign runs.',
  values: enumValues(CAMPAIGN_STATUSES, (value) => STATUS_DESCRIPTIONS[value]),
});
export const SpendSourceEnum = builder.enumType('SpendSource', {
  description: SPEND_SOURCE_RULE,
  values: enumValues(SPEND_SOURCES, (value) => SOURCE_DESCRIPTIONS[value]),
});

export const CampaignRef = builder.objectRef<CampaignSummary>('Campaign').implement({
  description:
    'A campaign of the catalog (added on its first event or spend row, or by an admin), with its settings, channels and rollup rows.',
  fields: (t) => ({
    campaignId: t.exposeID('campaignId', { description: 'The campaign id, e.g. `camp_google_brand`.' }),
    name: t.exposeString('name', { description: 'Its display name (the id until someone names it).' }),
    objective: t.field({
      type: CampaignObjectiveEnum,
      nullable: true,
      description: 'What it is for; null: not said.',
      resolve: (c) => c.objective,
    }),
    status: t.field({ type: CampaignStatusEnum, description: 'Whether it runs.', resolve: (c) => c.status }),
    currency: t.exposeString('currency', {
      description: 'ISO 4217 code of its amounts; a label: amounts are never converted.',
    }),
    dailyBudget: t.float({
      nullable: true,
      description: 'Spend per local day of the reporting time zone; null: no budget (no pacing status).',
      resolve: (c) => c.dailyBudget,
    }),
    targetCpa: t.float({
      nullable: true,
      description: 'Target cost per activation (the CPA KPI); null: none.',
      resolve: (c) => c.targetCpa,
    }),
    targetRoas: t.float({
      nullable: true,
      description: 'Target revenue / spend (ROAS); null: none.',
      resolve: (c) => c.targetRoas,
    }),
    startsOn: t.string({
      nullable: true,
      description: 'First day, YYYY-MM-DD; null: open.',
      resolve: (c) => c.startsOn,
    }),
    endsOn: t.string({ nullable: true, description: 'Last day, YYYY-MM-DD; null: open.', resolve: (c) => c.endsOn }),
    tags: t.exposeStringList('tags', { description: 'Free labels.' }),
    spendSource: t.field({ type: SpendSourceEnum, description: SPEND_SOURCE_RULE, resolve: (c) => c.spendSource }),
    updatedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When its settings last changed.',
      resolve: (c) => c.updatedAt,
    }),
    channels: t.exposeStringList('channels', { description: 'Channels it ran on (events or imported spend), sorted.' }),
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
    description: 'Every campaign of the catalog (with events, imported spend, or only settings so far), by id.',
    resolve: (_root, _args, ctx) => listCampaigns(ctx.pool, ctx.retention.settings()),
  }),
);

builder.queryField('campaign', (t) =>
  t.field({
    authScopes: { reader: true },
    type: CampaignRef,
    description: 'One campaign by id; NotFoundError when the catalog has no such campaign.',
    errors: { types: [NotFoundError], directResult: true, union: { description: 'The campaign, or NotFoundError.' } },
    args: { campaignId: t.arg.string({ required: true, description: 'The campaign id.' }) },
    resolve: async (_root, { campaignId }, ctx) => {
      const campaign = await findCampaign(ctx.pool, ctx.retention.settings(), campaignId);
      if (!campaign)
        throw new NotFoundError(
          `No campaign "${campaignId}" is known (no events, spend or settings).`,
          'Campaign',
          campaignId,
        );
      return campaign;
    },
  }),
);

export const CampaignInputRef = builder.inputType('CampaignInput', {
  description: 'Every setting of a campaign (a change replaces them all). Checked as the dashboard form checks them.',
  fields: (t) => ({
    name: t.string({ required: true, description: `Display name, 1–${CAMPAIGN_LIMITS.name.maxLength} characters.` }),
    objective: t.field({
      type: CampaignObjectiveEnum,
      required: false,
      description: 'What it is for; null: not said.',
    }),
    status: t.field({ type: CampaignStatusEnum, required: true, description: 'Whether it runs.' }),
    currency: t.string({
      required: true,
      description: 'ISO 4217 code, e.g. USD (a label; amounts are not converted).',
    }),
    dailyBudget: t.float({
      required: false,
      description: `Spend per local day of the reporting zone (${CAMPAIGN_LIMITS.dailyBudget.min}–${CAMPAIGN_LIMITS.dailyBudget.max}); null: none.`,
    }),
    targetCpa: t.float({
      required: false,
      description: `Target cost per activation (${CAMPAIGN_LIMITS.targetCpa.min}–${CAMPAIGN_LIMITS.targetCpa.max}); null: none.`,
    }),
    targetRoas: t.float({
      required: false,
      description: `Target revenue / spend (${CAMPAIGN_LIMITS.targetRoas.min}–${CAMPAIGN_LIMITS.targetRoas.max}); null: none.`,
    }),
    startsOn: t.string({ required: false, description: 'First day, YYYY-MM-DD; null: open.' }),
    endsOn: t.string({ required: false, description: 'Last day, YYYY-MM-DD (not before startsOn); null: open.' }),
    tags: t.stringList({
      required: true,
      description: `Free labels, at most ${CAMPAIGN_LIMITS.tags.maxCount} of 1–${CAMPAIGN_LIMITS.tags.maxLength} characters.`,
    }),
    spendSource: t.field({
      type: SpendSourceEnum,
      required: true,
      description: SPEND_SOURCE_RULE,
    }),
  }),
});

const CampaignSettingsIssueRef = builder.objectRef<CampaignIssue>('CampaignSettingsIssue').implement({
  description: 'One refused setting.',
  fields: (t) => ({
    field: t.exposeString('field', { description: 'The CampaignInput field, e.g. `dailyBudget` (or `campaignId`).' }),
    message: t.exposeString('message', { description: 'Why, for people.' }),
  }),
});

builder.objectType(CampaignValidationError, {
  name: 'CampaignValidationError',
  description: "A campaign's settings were refused; nothing was stored.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    issues: t.field({
      type: [CampaignSettingsIssueRef],
      description: 'Every problem, each naming its field.',
      resolve: (error) => [...error.issues],
    }),
  }),
});

builder.mutationField('updateCampaign', (t) =>
  t.field({
    authScopes: { admin: true },
    type: CampaignRef,
    description:
      "Replaces every setting of a campaign (admin scope), creating its catalog row when it has none yet (a campaign set up before its first event). Changing the spend source rewrites the campaign's spend in the minute rollup at once; hourly and daily rows follow within the worker's next run.",
    errors: {
      types: [CampaignValidationError],
      directResult: true,
      union: { description: 'The campaign as stored, or every problem of the input.' },
    },
    args: {
      campaignId: t.arg.string({
        required: true,
        description: `The campaign id its events carry (1–${MAX_ID_LENGTH} characters).`,
      }),
      input: t.arg({ type: CampaignInputRef, required: true, description: 'All its settings.' }),
    },
    resolve: (_root, { campaignId, input }, ctx) =>
      updateCampaign(
        ctx.pool,
        campaignId,
        {
          name: input.name,
          objective: input.objective ?? null,
          status: input.status,
          currency: input.currency,
          dailyBudget: input.dailyBudget ?? null,
          targetCpa: input.targetCpa ?? null,
          targetRoas: input.targetRoas ?? null,
          startsOn: input.startsOn ?? null,
          endsOn: input.endsOn ?? null,
          tags: input.tags,
          spendSource: input.spendSource,
        },
        ctx.retention.settings(),
      ),
  }),
);
