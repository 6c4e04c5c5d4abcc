import { describe, expect, it } from 'vitest';
import { MAX_REVENUE } from '@pmd/domain';
import { restEvent } from '@pmd/testkit';
import { postJson, send } from './testkit/http.ts';
import { expectNoInternals, expectServerFine, ingestAuth, readAuth, useSecurityServer } from './testkit/server.ts';

// Revenue is a new field on the ingest doors, not a new door: the same token and body limits guard it, and every
// absurd value must be one event's 422 reason, never a 500, a database error or a stored row.
const server = useSecurityServer();

/** A batch body whose `index`-th event carries `revenue` as these raw JSON bytes (numbers JSON.stringify cannot write). */
function batchWithRawRevenue(rawRevenues: string[]): Buffer {
  const events = rawRevenues.map((raw, i) => {
    const event = JSON.stringify({ ...restEvent(i, 'abuse'), event_type: 'activation', revenue: '@' });
    return event.replace('"@"', raw);
  });
  return Buffer.from(`[${events.join(',')}]`);
}

describe('absurd revenue through both ingest doors', () => {
  it('REST: overflowing, huge, negative, textual and structured revenues are refused per event; the good one is stored', async () => {
    const raws = [
      '1e400', // JSON.parse gives Infinity
      `1${'0'.repeat(5_000)}`, // a 5,001-digit integer
      `${MAX_REVENUE}.000001`,
      '-0.000001',
      '"12.50"',
      '{"amount": 12.5}',
      '[12.5]',
      'null',
      '49.9999994', // the good one: stored rounded to 6 decimals
    ];
    const response = await send(server.baseUrl, {
      path: '/events/batch',
      headers: { 'content-type': 'application/json', ...ingestAuth },
      body: batchWithRawRevenue(raws),
    });
    expect(response.status).toBe(200);
    expectNoInternals(response.body);
    const body = JSON.parse(response.body);
    expect(body.ingested).toBe(1);
    expect(
      body.rejected.map((r: { index: number; errors: { loc: string[]; type: string }[] }) => [
        r.index,
        r.errors.map((e) => `${e.loc.join('.')}:${e.type}`),
      ]),
    ).toEqual([
      [0, ['revenue:finite_number']],
      [1, ['revenue:finite_number']],
      [2, ['revenue:less_than_equal']],
      [3, ['revenue:greater_than_equal']],
      [4, ['revenue:float_type']],
      [5, ['revenue:float_type']],
      [6, ['revenue:float_type']],
      [7, ['revenue:float_type']],
    ]);
    expect(await server.sql(`SELECT event_id, revenue::text AS revenue FROM raw_events`)).toEqual([
      { event_id: 'abuse-8', revenue: '49.999999' },
    ]);
  });

  it('GraphQL: a revenue beyond the limit is one event’s reason; a non-number is refused by the schema', async () => {
    const { ts } = restEvent(20, 'abuse-gql');
    const input = (eventId: string, revenue: unknown) => ({
      eventId,
      ts,
      userId: 'u1',
      campaignId: 'camp_google_brand',
      channel: 'google',
      eventType: 'ACTIVATION',
      revenue,
    });
    const mutation = `mutation($events: [EventInput!]!) { ingestEvents(events: $events) {
      ... on IngestResult { stored rejected { index reasons } } } }`;
    const limits = await postJson(
      server.baseUrl,
      '/graphql',
      { query: mutation, variables: { events: [input('g-big', 1e300), input('g-ok', 12.5)] } },
      ingestAuth,
    );
    expect(limits.status).toBe(200);
    expect(JSON.parse(limits.body).data.ingestEvents).toEqual({
      stored: 1,
      rejected: [{ index: 0, reasons: [`revenue: Input should be less than or equal to ${MAX_REVENUE}`] }],
    });
    const textual = await postJson(
      server.baseUrl,
      '/graphql',
      { query: mutation, variables: { events: [input('g-text', '12.5')] } },
      ingestAuth,
    );
    expect(textual.status).toBe(400);
    expectNoInternals(textual.body);
    expect(JSON.parse(textual.body).errors[0].message).toContain('events[0].revenue');
    // A read token cannot send revenue at all.
    const refused = await postJson(
      server.baseUrl,
      '/graphql',
      { query: mutation, variables: { events: [input('g-reader', 1)] } },
      readAuth,
    );
    expect(refused.status).toBe(401);
    expect(await server.sql(`SELECT event_id FROM raw_events WHERE event_id LIKE 'g-%'`)).toEqual([
      { event_id: 'g-ok' },
    ]);
    await expectServerFine(server, 'absurd revenue');
  });
});
