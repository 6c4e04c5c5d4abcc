import { GraphQLError } from 'graphql';
import { builder } from '../builder.ts';
import { coercedListArgument } from '../plugins/input-list-variables.ts';
import type { RequestContext } from '../context.ts';
import { ingestThroughGate } from '../services/ingest-gate.ts';
import {
  MAX_BATCH_SIZE,
  MAX_CHANNEL_LENGTH,
  MAX_COST,
  MAX_ID_LENGTH,
  MAX_REVENUE,
  RETENTION_DAYS,
  type EventCandidate,
  type EventField,
} from '../services/ingest-validation.ts';
import { BatchTooLargeError } from '../services/errors.ts';
import { type IngestOutcome, type RejectedEvent } from '../services/ingest.ts';
import { ErrorInterface } from './error.ts';

const RULES = `Rules (the same for REST): ids non-empty, not blank, no control characters, at most ${MAX_ID_LENGTH} characters \
(channel ${MAX_CHANNEL_LENGTH}); \`ts\` at most 5 minutes in the future, at most ${RETENTION_DAYS} days old and not before what RAW_EVENTS_RETENTION_DAYS \
and MINUTE_ROWS_RETENTION_DAYS keep (UTC midnights); \`cost\` finite, \
0 ≤ cost ≤ ${MAX_COST}, stored rounded to 6 decimals. Cost is allowed on every event type and all of it is spend \
(unless the campaign's spendSource is IMPORTS): average CPC = spend / clicks, as Google Ads and Meta report it, so \
cost on impressions (CPM buying) or conversions raises CPC too. \`revenue\` (conversion value) follows the same rule as cost, 0 ≤ revenue ≤ ${MAX_REVENUE}, and is \
allowed on every event type (usually activations).`;

export const EventTypeEnum = builder.enumType('EventType', {
  description:
    'What happened; the values stand for the original strings `ad_impression | ad_click | signup | activation`.',
  values: {
    AD_IMPRESSION: { value: 'ad_impression', description: 'An ad was shown (`ad_impression`).' },
    AD_CLICK: {
      value: 'ad_click',
      description: 'An ad was clicked (`ad_click`); its cost is click cost (`clickCost`), part of spend.',
    },
    SIGNUP: { value: 'signup', description: 'A user signed up (`signup`).' },
    ACTIVATION: { value: 'activation', description: 'A signed-up user activated (`activation`).' },
  } as const,
});

/** The input type `useInputListVariables` coerces when it comes as a list variable (app.ts). */
export const EVENT_INPUT_TYPE = 'EventInput';

const EventInput = builder.inputType(EVENT_INPUT_TYPE, {
  description: `One ad event. ${RULES}`,
  fields: (t) => ({
    eventId: t.string({
      required: true,
      description: `Unique id chosen by the sender (1..${MAX_ID_LENGTH} characters); re-sending it is harmless (reported as a duplicate).`,
    }),
    // A string, not the DateTime scalar: the scalar would refuse a ts without offset for the whole request and cut
    // microseconds; as text it reaches the one validator REST uses, which judges each event on its own.
    ts: t.string({
      required: true,
      description: `When it happened, ISO-8601 as REST takes it: e.g. \`2026-11-25T10:00:00.123456+00:00\`; without offset it is UTC; \
up to microseconds are kept. Not more than 5 minutes ahead of the server's clock, not older than ${RETENTION_DAYS} days, \
nor than the UTC midnight RAW_EVENTS_RETENTION_DAYS or MINUTE_ROWS_RETENTION_DAYS keep from.`,
    }),
    userId: t.string({ required: true, description: `The user (1..${MAX_ID_LENGTH} characters).` }),
    campaignId: t.string({ required: true, description: `The campaign (1..${MAX_ID_LENGTH} characters).` }),
    channel: t.string({
      required: true,
      description: `The channel, e.g. \`google\` (1..${MAX_CHANNEL_LENGTH} characters).`,
    }),
    eventType: t.field({ type: EventTypeEnum, required: true, description: 'What happened.' }),
    cost: t.float({
      required: false,
      defaultValue: 0,
      description: `Cost of this event, its campaign's spend unless the campaign's spendSource is IMPORTS, 0..${MAX_COST}, rounded to 6 decimals; allowed on every event type; absent means 0, \
null is refused for this event (as over REST).`,
    }),
    revenue: t.float({
      required: false,
      defaultValue: 0,
      description: `Conversion value of this event (revenue; ROAS = revenue / spend), 0..${MAX_REVENUE}, rounded to 6 decimals; \
allowed on every event type, usually sent with activations; absent means 0, null is refused for this event (as over REST).`,
    }),
  }),
});

const RejectedEventRef = builder.objectRef<RejectedEvent>('RejectedEvent').implement({
  description: 'An event that broke a rule and was not stored; the others in the request were still processed.',
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'Position in the request (0-based).' }),
    eventId: t.exposeString('eventId', { nullable: true, description: 'Its eventId.' }),
    reasons: t.stringList({
      description: 'Every rule it broke, e.g. `cost: Input should be greater than or equal to 0`.',
      resolve: (rejected) => rejected.errors.map((error) => `${graphqlFieldName(error.field)}: ${error.msg}`),
    }),
  }),
});

const IngestResultRef = builder.objectRef<IngestOutcome>('IngestResult').implement({
  description: 'What became of each event of one request. received = stored + duplicates + rejected.length.',
  fields: (t) => ({
    received: t.exposeInt('received', { description: 'Events in the request.' }),
    stored: t.exposeInt('stored', { description: 'Events newly stored.' }),
    duplicates: t.exposeInt('duplicates', {
      description: 'Valid events not stored because their eventId was already stored or came earlier in this request.',
    }),
    rejected: t.field({
      type: [RejectedEventRef],
      description: 'Events that broke a rule.',
      resolve: (r) => r.rejected,
    }),
  }),
});

builder.objectType(BatchTooLargeError, {
  name: 'BatchTooLargeError',
  description: `The request held more than ${MAX_BATCH_SIZE} events; nothing was stored. Split it and send again.`,
  interfaces: [ErrorInterface],
  fields: (t) => ({
    maxBatchSize: t.exposeInt('maxBatchSize', { description: 'Most events accepted in one request.' }),
    received: t.exposeInt('received', { description: 'Events in the refused request.' }),
  }),
});

builder.mutationField('ingestEvents', (t) =>
  t.field({
    type: IngestResultRef,
    description: `Stores a batch of up to ${MAX_BATCH_SIZE} events in one transaction. Each event is validated on its own: a bad \
one is reported in \`rejected\` and never sinks the others. Idempotent by eventId. Requires \`Authorization: Bearer <token>\` \
when the server has INGEST_TOKEN set. ${RULES}`,
    authScopes: { ingester: true },
    args: {
      events: t.arg({ type: [EventInput], required: true, description: `The events, at most ${MAX_BATCH_SIZE}.` }),
    },
    errors: {
      types: [BatchTooLargeError],
      directResult: true,
      union: { description: 'What became of each event, or BatchTooLargeError when the batch was refused whole.' },
    },
    // A `$events` variable arrives coerced by useInputListVariables, and `events` is then empty (see that plugin).
    resolve: (_root, { events }, ctx, info) =>
      ingestThroughDoor(
        ctx,
        ((coercedListArgument(ctx, info, 'events') as typeof events | undefined) ?? events).map(toCandidate),
      ),
  }),
);

builder.mutationField('ingestEvent', (t) =>
  t.field({
    type: IngestResultRef,
    description: 'Stores one event (same rules and token as `ingestEvents`); also over websockets.',
    authScopes: { ingester: true },
    args: { event: t.arg({ type: EventInput, required: true, description: 'The event.' }) },
    resolve: (_root, { event }, ctx) => ingestThroughDoor(ctx, [toCandidate(event)]),
  }),
);

/** A rate-limit refusal is a request-level error with the HTTP status a REST client would get. */
async function ingestThroughDoor(ctx: RequestContext, candidates: EventCandidate[]): Promise<IngestOutcome> {
  const attempt = await ingestThroughGate(ctx, ctx, candidates);
  if ('outcome' in attempt) return attempt.outcome;
  const { status, code, message, retryAfterSeconds } = attempt.refused;
  const headers = { 'retry-after': String(retryAfterSeconds) };
  throw new GraphQLError(message, { extensions: { code, retryAfterSeconds, http: { status, headers } } });
}

/** GraphQL input → the original JSON shape the validator reads (one code path for both doors). */
function toCandidate(event: typeof EventInput.$inferInput): EventCandidate {
  return {
    event_id: event.eventId,
    ts: event.ts,
    user_id: event.userId,
    campaign_id: event.campaignId,
    channel: event.channel,
    event_type: event.eventType,
    // Absent is 0 (the field's default); an explicit null reaches the validator, which refuses it like REST does.
    cost: event.cost,
    revenue: event.revenue,
  };
}

const GRAPHQL_FIELD_NAMES: Record<EventField, string> = {
  event_id: 'eventId',
  ts: 'ts',
  user_id: 'userId',
  campaign_id: 'campaignId',
  channel: 'channel',
  event_type: 'eventType',
  cost: 'cost',
  revenue: 'revenue',
};

function graphqlFieldName(field: EventField | null): string {
  return field ? GRAPHQL_FIELD_NAMES[field] : 'event';
}
