import { describe, expect, it } from 'vitest';
import { minuteRollupMismatches, storedEvents } from '@pmd/testkit';
import { graphql, INGEST, useTestServer } from './testkit/server.ts';

/** A UTC instant 30 minutes ago at a whole second, as `YYYY-MM-DDTHH:MM:SS`, plus its epoch ms. */
function recentSecond(): { text: string; ms: number } {
  const ms = Math.floor((Date.now() - 30 * 60_000) / 1000) * 1000;
  return { text: new Date(ms).toISOString().slice(0, 19), ms };
}

/**
 * The same events through GraphQL and REST: one validator serves both doors, so they store the same rows and reject
 * the same events for the same reasons, each event judged on its own.
 */
function sameInputs(
  prefix: string,
  { text, ms }: { text: string; ms: number },
): {
  events: Record<string, unknown>[];
  expected: { event_id: string; ts: string }[];
} {
  const base = {
    user_id: 'user_00001',
    campaign_id: 'camp_doors',
    channel: 'google',
    event_type: 'ad_click',
  };
  const events = [
    // No offset: UTC (the schema said so; GraphQL's DateTime refused it and sank the batch).
    { ...base, event_id: `${prefix}-0`, ts: `${text}.123456`, cost: 0.5 },
    // Microseconds kept (GraphQL's DateTime cut them to milliseconds); cost absent = 0.
    { ...base, event_id: `${prefix}-1`, ts: `${text}.654321Z`, event_type: 'ad_impression' },
    // cost: null is refused for this event only (REST's 422 reason; GraphQL stored 0).
    { ...base, event_id: `${prefix}-2`, ts: `${text}Z`, cost: null },
    // An offset is applied; a space instead of T, as REST (pydantic) takes it.
    {
      ...base,
      event_id: `${prefix}-3`,
      ts: `${new Date(ms + 2 * 3_600_000).toISOString().slice(0, 10)} ${new Date(ms + 2 * 3_600_000).toISOString().slice(11, 19)}.000007+02:00`,
      cost: 1,
    },
    // Revenue follows cost's rule: 6 decimals kept, on any event type; a bad one is refused for this event only.
    { ...base, event_id: `${prefix}-4`, ts: `${text}Z`, event_type: 'activation', revenue: 42.123456 },
    { ...base, event_id: `${prefix}-5`, ts: `${text}Z`, event_type: 'activation', revenue: -5 },
  ];
  const utc = new Date(ms).toISOString().slice(0, 19);
  return {
    events,
    expected: [
      { event_id: `${prefix}-0`, ts: `${utc}.123456Z` },
      { event_id: `${prefix}-1`, ts: `${utc}.654321Z` },
      { event_id: `${prefix}-3`, ts: `${utc}.000007Z` },
      { event_id: `${prefix}-4`, ts: `${utc}.000000Z` },
    ],
  };
}

/** The same event as an EventInput, keeping an absent cost or revenue absent and a null one null. */
function asGraphqlInput(event: Record<string, unknown>): Record<string, unknown> {
  return {
    eventId: event.event_id,
    ts: event.ts,
    userId: event.user_id,
    campaignId: event.campaign_id,
    channel: event.channel,
    eventType: String(event.event_type).toUpperCase(),
    ...('cost' in event ? { cost: event.cost } : {}),
    ...('revenue' in event ? { revenue: event.revenue } : {}),
  };
}

/** Stored rows without the door's prefix, to compare the doors. */
async function storedBy(databaseUrl: string, prefix: string) {
  const rows = await storedEvents(databaseUrl, `event_id LIKE '${prefix}-%'`);
  return rows.map((row) => ({ ...row, event_id: row.event_id.slice(prefix.length + 1) }));
}

describe('both ingest doors, same inputs', () => {
  const server = useTestServer();

  it('store no-offset ts as UTC, keep microseconds and revenue, and reject only the cost: null and negative revenue events, by index', async () => {
    // One instant for both doors: two clock reads could straddle a second and make the rows differ.
    const second = recentSecond();
    const rest = sameInputs('rest', second);
    const response = await fetch(`${server.current.baseUrl}/events/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rest.events),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      ingested: 4,
      duplicates: 0,
      rejected: [
        {
          index: 2,
          event_id: 'rest-2',
          errors: [{ loc: ['cost'], msg: 'Input should be a valid number', type: 'float_type' }],
        },
        {
          index: 5,
          event_id: 'rest-5',
          errors: [{ loc: ['revenue'], msg: 'Input should be greater than or equal to 0', type: 'greater_than_equal' }],
        },
      ],
    });

    const gql = sameInputs('gql', second);
    const result = await graphql(server.current.baseUrl, INGEST, {
      events: gql.events.map(asGraphqlInput),
    });
    expect(result.errors).toBeUndefined();
    expect(result.data.ingestEvents).toEqual({
      __typename: 'IngestResult',
      received: 6,
      stored: 4,
      duplicates: 0,
      rejected: [
        { index: 2, eventId: 'gql-2', reasons: ['cost: Input should be a valid number'] },
        { index: 5, eventId: 'gql-5', reasons: ['revenue: Input should be greater than or equal to 0'] },
      ],
    });

    const restRows = await storedBy(server.current.databaseUrl, 'rest');
    expect(restRows.map(({ event_id, ts }) => ({ event_id: `rest-${event_id}`, ts }))).toEqual(rest.expected);
    expect(restRows.map((row) => row.cost)).toEqual([0.5, 0, 1, 0]);
    expect(restRows.map((row) => row.revenue)).toEqual([0, 0, 0, 42.123456]);
    expect(await storedBy(server.current.databaseUrl, 'gql')).toEqual(restRows);
    expect(await minuteRollupMismatches(server.current.databaseUrl)).toEqual([]);
  });

  it('ingestEvent and POST /events agree on one no-offset event and on cost: null and revenue: null', async () => {
    const { text } = recentSecond();
    const event = {
      event_id: 'single-rest',
      ts: `${text}.000001`,
      user_id: 'user_00002',
      campaign_id: 'camp_doors',
      channel: 'meta',
      event_type: 'signup',
    };
    const post = (body: unknown) =>
      fetch(`${server.current.baseUrl}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const ok = await post(event);
    expect([ok.status, await ok.json()]).toEqual([200, { ingested: true, duplicate: false }]);
    const refused = await post({ ...event, event_id: 'single-rest-null', cost: null });
    expect([refused.status, await refused.json()]).toEqual([
      422,
      { detail: [{ loc: ['body', 'cost'], msg: 'Input should be a valid number', type: 'float_type' }] },
    ]);
    const nullRevenueRest = await post({ ...event, event_id: 'single-rest-null-revenue', revenue: null });
    expect([nullRevenueRest.status, await nullRevenueRest.json()]).toEqual([
      422,
      { detail: [{ loc: ['body', 'revenue'], msg: 'Input should be a valid number', type: 'float_type' }] },
    ]);

    const single = `mutation($event: EventInput!) { ingestEvent(event: $event) { stored rejected { index reasons } } }`;
    const input = asGraphqlInput({ ...event, event_id: 'single-gql' });
    const stored = await graphql(server.current.baseUrl, single, { event: input });
    expect(stored.errors).toBeUndefined();
    expect(stored.data.ingestEvent).toEqual({ stored: 1, rejected: [] });
    const nullCost = await graphql(server.current.baseUrl, single, {
      event: { ...input, eventId: 'single-gql-null', cost: null },
    });
    expect(nullCost.errors).toBeUndefined();
    expect(nullCost.data.ingestEvent).toEqual({
      stored: 0,
      rejected: [{ index: 0, reasons: ['cost: Input should be a valid number'] }],
    });
    const nullRevenue = await graphql(server.current.baseUrl, single, {
      event: { ...input, eventId: 'single-gql-null-revenue', revenue: null },
    });
    expect(nullRevenue.errors).toBeUndefined();
    expect(nullRevenue.data.ingestEvent).toEqual({
      stored: 0,
      rejected: [{ index: 0, reasons: ['revenue: Input should be a valid number'] }],
    });

    const rows = await storedEvents(server.current.databaseUrl, "event_id LIKE 'single-%'");
    expect(rows.map((row) => [row.event_id, row.ts])).toEqual([
      ['single-gql', `${text}.000001Z`],
      ['single-rest', `${text}.000001Z`],
    ]);
  });
});
