import { PACING_HISTORY_WEEKS, PACING_STATUSES, PACING_TOLERANCE } from '@pmd/domain';
import { GraphQLError } from 'graphql';
import { builder } from '../builder.ts';
import type { RequestContext } from '../context.ts';
import type { CampaignSummary } from '../services/campaigns.ts';
import { campaignsPacing, type CampaignPacing } from '../services/pacing.ts';
import { InvalidArgumentError } from '../services/errors.ts';
import { resolveTimeZone } from '../services/windows.ts';
import { CampaignRef } from './campaign.ts';

const PERCENT = Math.round(PACING_TOLERANCE * 100);

export const PacingStatusEnum = builder.enumType('PacingStatus', {
  description: `Projected spend of today against the daily budget, within ±${PERCENT}% being on pace.`,
  values: Object.fromEntries(
    PACING_STATUSES.map((status) => [
      status.toUpperCase(),
      {
        value: status,
        description: {
          under: `Projected below the budget by more than ${PERCENT}%.`,
          on: `Projected within ±${PERCENT}% of the budget.`,
          over: `Projected above the budget by more than ${PERCENT}%.`,
        }[status],
      },
    ]),
  ) as Record<
    Uppercase<(typeof PACING_STATUSES)[number]>,
    { value: (typeof PACING_STATUSES)[number]; description: string }
  >,
});

export const CampaignPacingRef = builder.objectRef<CampaignPacing>('CampaignPacing').implement({
  description: `Budget pacing of today (the local day of the zone): today's spend divided by the share of a day's spend the same weekday of the last ${PACING_HISTORY_WEEKS} weeks had spent by the same time since local midnight (without such history, the share of the day elapsed).`,
  fields: (t) => ({
    day: t.exposeString('day', { description: 'Today, the local date in `timeZone`, YYYY-MM-DD.' }),
    timeZone: t.exposeString('timeZone', { description: 'The IANA zone whose local day it is.' }),
    spendToday: t.exposeFloat('spendToday', { description: 'Spend from local midnight until `asOf`.' }),
    dailyBudget: t.float({
      nullable: true,
      description: 'The daily budget; null: none.',
      resolve: (p) => p.dailyBudget,
    }),
    expectedShare: t.exposeFloat('expectedShare', {
      description: "The share of a day's spend expected by now (0..1).",
    }),
    fromHistory: t.exposeBoolean('fromHistory', {
      description: 'Whether expectedShare came from the weekday history (false: the share of the day elapsed).',
    }),
    projectedSpend: t.exposeFloat('projectedSpend', { description: 'spendToday / expectedShare: the projected day.' }),
    budgetShare: t.float({
      nullable: true,
      description: 'projectedSpend / dailyBudget; null without a budget.',
      resolve: (p) => p.budgetShare,
    }),
    status: t.field({
      type: PacingStatusEnum,
      nullable: true,
      description: 'Under, on or over pace; null without a budget.',
      resolve: (p) => p.status,
    }),
    asOf: t.field({ type: 'DateTime', description: 'The instant it was projected at.', resolve: (p) => p.asOf }),
  }),
});

/**
 * Campaigns resolved in the same tick (a campaign list) are paced together: one set of window sums for all of them
 * (campaignsPacing), not one per campaign. Keyed per request, zone and instant.
 */
const pending = new WeakMap<
  RequestContext,
  Map<string, { campaigns: CampaignSummary[]; result: Promise<Map<string, CampaignPacing>> }>
>();

/** One "now" per request, so every campaign of a list is paced at the same instant (and in one batch). */
const nows = new WeakMap<RequestContext, Date>();
function requestNow(ctx: RequestContext): Date {
  const now = nows.get(ctx) ?? new Date();
  nows.set(ctx, now);
  return now;
}

function pacingOf(ctx: RequestContext, campaign: CampaignSummary, at: Date, timeZone: string) {
  const batches =
    pending.get(ctx) ??
    new Map<string, { campaigns: CampaignSummary[]; result: Promise<Map<string, CampaignPacing>> }>();
  pending.set(ctx, batches);
  const key = `${timeZone}|${at.getTime()}`;
  let batch = batches.get(key);
  if (!batch) {
    const campaigns: CampaignSummary[] = [];
    const result = new Promise<void>((resolve) => process.nextTick(resolve)).then(() => {
      batches.delete(key);
      return campaignsPacing(ctx.pool, campaigns, at, timeZone);
    });
    batch = { campaigns, result };
    batches.set(key, batch);
  }
  batch.campaigns.push(campaign);
  return batch.result.then((paced) => paced.get(campaign.campaignId)!);
}

builder.objectField(CampaignRef, 'pacing', (t) =>
  t.field({
    type: CampaignPacingRef,
    description: `Today's budget pacing in a zone (default the reporting zone), as of \`at\` (default now). Spend is summed exactly (as the KPIs), by the campaign's spend source.`,
    args: {
      timeZone: t.arg.string({ required: false, description: "IANA zone of 'today'; default REPORTING_TIME_ZONE." }),
      at: t.arg({
        type: 'DateTime',
        required: false,
        description: 'The instant to project at (default now), for analysis and reproducible reads.',
      }),
    },
    resolve: (campaign, args, ctx) => {
      let timeZone: string;
      try {
        timeZone = resolveTimeZone(args.timeZone, ctx.config.reportingTimeZone);
      } catch (error) {
        if (!(error instanceof InvalidArgumentError)) throw error;
        throw new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT', argument: 'timeZone' } });
      }
      return pacingOf(ctx, campaign, args.at ?? requestNow(ctx), timeZone);
    },
  }),
);
