import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateEvent } from '../src/services/ingest-validation.ts';
import { minuteRollupMismatches, withClient } from '@pmd/testkit';
import { useTestServer } from './testkit/server.ts';

// Any UTF-16 code unit, lone surrogates and NUL included: what a broken client can put in a JSON string.
const anyText = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  maxLength: 140,
});
// Each field is valid most of the time, so a good share of events get stored and the stored rows can be checked.
const idLike = fc.oneof(
  { arbitrary: fc.stringMatching(/^[a-z0-9_-]{1,20}$/), weight: 12 },
  { arbitrary: anyText, weight: 1 },
  { arbitrary: fc.string({ minLength: 120, maxLength: 140 }), weight: 1 },
  { arbitrary: fc.jsonValue(), weight: 1 },
);
const recentInstant = fc
  .integer({ min: -3 * 86_400_000, max: 10 * 60_000 })
  .map((offset) => new Date(Date.now() + offset));
const tsLike = fc.oneof(
  { arbitrary: recentInstant.map((date) => date.toISOString()), weight: 4 },
  { arbitrary: recentInstant.map((date) => date.toISOString().replace('Z', '123+02:00')), weight: 4 },
  { arbitrary: recentInstant.map((date) => date.toISOString().slice(0, 19)), weight: 4 },
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  anyText,
  fc.jsonValue(),
);
const costLike = fc.oneof(
  { arbitrary: fc.double({ min: 0, max: 2_000_000, noNaN: true }), weight: 8 },
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, 0.9, 1e-7, 1_000_000, 1e308, -0),
  fc.jsonValue(),
);
const revenueLike = fc.oneof(
  { arbitrary: fc.double({ min: 0, max: 2_000_000_000, noNaN: true }), weight: 8 },
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, 49.99, 1e-7, 1_000_000_000, 1_000_000_000.0000001, 1e308, -0),
  fc.jsonValue(),
);
const typeLike = fc.oneof(
  { arbitrary: fc.constantFrom('ad_impression', 'ad_click', 'signup', 'activation'), weight: 12 },
  { arbitrary: anyText, weight: 1 },
  { arbitrary: fc.jsonValue(), weight: 1 },
);

/** Objects close enough to events that many pass and get stored, with any field possibly absent or absurd. */
const eventLike = fc.record(
  {
    event_id: idLike,
    ts: tsLike,
    user_id: idLike,
    campaign_id: idLike,
    channel: idLike,
    event_type: typeLike,
    cost: costLike,
    revenue: revenueLike,
  },
  { requiredKeys: ['event_id', 'ts', 'user_id', 'campaign_id', 'channel', 'event_type'] },
);
/** The same, with any field possibly missing. */
const partialEventLike = fc.record(
  {
    event_id: idLike,
    ts: tsLike,
    user_id: idLike,
    campaign_id: idLike,
    channel: idLike,
    event_type: typeLike,
    cost: costLike,
    revenue: revenueLike,
  },
  { requiredKeys: [] },
);
const restBody = fc.oneof(
  fc.array(fc.oneof(eventLike, eventLike, partialEventLike, fc.jsonValue()), { maxLength: 20 }),
  eventLike,
  partialEventLike,
  fc.jsonValue(),
);
const graphqlEvents = fc.array(
  fc.oneof(
    eventLike.map((e) => ({
      eventId: e.event_id,
      ts: e.ts,
      userId: e.user_id,
      campaignId: e.campaign_id,
      channel: e.channel,
      eventType: typeof e.event_type === 'string' ? e.event_type.toUpperCase() : e.event_type,
      cost: e.cost,
      revenue: e.revenue,
    })),
    partialEventLike,
    fc.jsonValue(),
  ),
  { maxLength: 20 },
);

describe('ingest under arbitrary JSON (fast-check)', () => {
  const server = useTestServer();

  it('REST never answers 500 and answers only 200, 413 or 422', async () => {
    await fc.assert(
      fc.asyncProperty(restBody, fc.constantFrom('/events', '/events/batch'), async (body, path) => {
        const response = await fetch(`${server.current.baseUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        await response.text();
        expect([200, 413, 422]).toContain(response.status);
      }),
      { numRuns: 300 },
    );
  });

  it('GraphQL never answers 500 nor an unexpected (masked) error', async () => {
    const query =
      'mutation($events: [EventInput!]!) { ingestEvents(events: $events) { __typename ... on IngestResult { stored } } }';
    await fc.assert(
      fc.asyncProperty(graphqlEvents, async (events) => {
        const response = await fetch(`${server.current.baseUrl}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query, variables: { events } }),
        });
        const body = (await response.json()) as { errors?: { message: string }[] };
        expect(response.status).toBeLessThan(500);
        for (const error of body.errors ?? []) expect(error.message).not.toBe('Unexpected error.');
      }),
      { numRuns: 300 },
    );
  });

  it('stored something, and every stored event passes the rules again and keeps the rollup exact', async () => {
    const rows = await withClient(server.current.databaseUrl, async (client) => {
      const result = await client.query(`
        SELECT event_id, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts, user_id, campaign_id,
               channel, event_type, cost::float8 AS cost, revenue::float8 AS revenue, received_at
        FROM raw_events`);
      return result.rows;
    });
    // The generators lean towards valid events: a run that stored nothing would prove nothing.
    expect(rows.length).toBeGreaterThan(20);
    for (const { received_at: receivedAt, ...row } of rows) {
      const result = validateEvent(row, receivedAt);
      expect(result.ok ? [] : result.errors, JSON.stringify(row)).toEqual([]);
    }
    expect(await minuteRollupMismatches(server.current.databaseUrl)).toEqual([]);
  });
});
