import { describe, expect, it } from 'vitest';
import { expectedRow, minuteRollupMismatches, restEvent, storedEvents } from '@pmd/testkit';
import { graphql, useTestServer } from './testkit/server.ts';

async function post(baseUrl: string, path: string, body: string | unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

describe('REST POST /events and /events/batch (the original API)', () => {
  const server = useTestServer();

  it('POST /events stores one event with the microseconds of its ts and answers {"ingested":true,"duplicate":false}', async () => {
    const event = { ...restEvent(1, 'rest-one'), ts: restEvent(1).ts.replace('+00:00', '') }; // no offset = UTC
    expect(await post(server.current.baseUrl, '/events', event)).toEqual({
      status: 200,
      body: { ingested: true, duplicate: false },
    });
    expect(await post(server.current.baseUrl, '/events', event)).toEqual({
      status: 200,
      body: { ingested: true, duplicate: true },
    });
    expect(await storedEvents(server.current.databaseUrl, "event_id = 'rest-one-1'")).toEqual([
      expectedRow(restEvent(1, 'rest-one')),
    ]);
  });

  it('POST /events with an integer cost and the original generator’s exact ts format', async () => {
    const event = { ...restEvent(2, 'rest-int'), event_type: 'ad_click', cost: 2 };
    expect((await post(server.current.baseUrl, '/events', event)).status).toBe(200);
    const [row] = await storedEvents(server.current.databaseUrl, "event_id = 'rest-int-2'");
    expect(row).toEqual(expectedRow(event as typeof event & { event_type: 'ad_click' }));
  });

  it('POST /events with an invalid body answers a FastAPI-style 422 and stores nothing', async () => {
    const event = { ...restEvent(3, 'rest-bad'), cost: -5, event_type: 'click' };
    expect(await post(server.current.baseUrl, '/events', event)).toEqual({
      status: 422,
      body: {
        detail: [
          {
            loc: ['body', 'event_type'],
            msg: "Input should be 'ad_impression', 'ad_click', 'signup' or 'activation'",
            type: 'literal_error',
          },
          { loc: ['body', 'cost'], msg: 'Input should be greater than or equal to 0', type: 'greater_than_equal' },
        ],
      },
    });
    expect(await post(server.current.baseUrl, '/events', [event])).toEqual({
      status: 422,
      body: {
        detail: [
          {
            loc: ['body'],
            msg: 'Input should be a valid dictionary or object to extract fields from',
            type: 'model_attributes_type',
          },
        ],
      },
    });
    const broken = await post(server.current.baseUrl, '/events', '{"event_id": ');
    expect(broken.status).toBe(422);
    expect(broken.body.detail[0]).toMatchObject({ loc: ['body'], type: 'json_invalid' });
    expect(await storedEvents(server.current.databaseUrl, "event_id LIKE 'rest-bad-%'")).toEqual([]);
  });

  it('POST /events/batch stores the valid events and reports the truth: stored, duplicates, rejected', async () => {
    const good = Array.from({ length: 50 }, (_, i) => restEvent(i, 'rest-batch'));
    expect(await post(server.current.baseUrl, '/events/batch', good)).toEqual({
      status: 200,
      body: { ingested: 50, duplicates: 0, rejected: [] },
    });
    const mixed = [good[0], { ...restEvent(100, 'rest-batch'), ts: 'yesterday' }, restEvent(101, 'rest-batch'), 42];
    expect(await post(server.current.baseUrl, '/events/batch', mixed)).toEqual({
      status: 200,
      body: {
        ingested: 1,
        duplicates: 1,
        rejected: [
          {
            index: 1,
            event_id: 'rest-batch-100',
            errors: [
              {
                loc: ['ts'],
                msg: 'Input should be a valid ISO-8601 datetime, e.g. 2026-11-25T10:00:00.123456+00:00',
                type: 'datetime_parsing',
              },
            ],
          },
          {
            index: 3,
            event_id: null,
            errors: [
              {
                loc: [],
                msg: 'Input should be a valid dictionary or object to extract fields from',
                type: 'model_attributes_type',
              },
            ],
          },
        ],
      },
    });
    const expected = [...good, restEvent(101, 'rest-batch')]
      .map(expectedRow)
      .sort((a, b) => (a.event_id < b.event_id ? -1 : 1));
    expect(await storedEvents(server.current.databaseUrl, "event_id LIKE 'rest-batch-%'")).toEqual(expected);
    expect(await minuteRollupMismatches(server.current.databaseUrl)).toEqual([]);
  });

  it('POST /events/batch with a body that is not an array, or not JSON, answers 422 and stores nothing', async () => {
    expect(await post(server.current.baseUrl, '/events/batch', restEvent(1, 'rest-notarray'))).toEqual({
      status: 422,
      body: { detail: [{ loc: ['body'], msg: 'Input should be a valid list', type: 'list_type' }] },
    });
    const broken = await post(server.current.baseUrl, '/events/batch', '[{"event_id": "x"');
    expect(broken.status).toBe(422);
    expect(broken.body.detail[0]).toMatchObject({ loc: ['body'], type: 'json_invalid' });
    expect(await storedEvents(server.current.databaseUrl, "event_id LIKE 'rest-notarray-%'")).toEqual([]);
  });

  it('POST /events/batch beyond 10,000 events answers 413 and stores nothing', async () => {
    const events = Array.from({ length: 10_001 }, (_, i) => restEvent(i, 'rest-huge'));
    expect(await post(server.current.baseUrl, '/events/batch', events)).toEqual({
      status: 413,
      body: {
        detail: 'A batch holds at most 10000 events; this one has 10001. Nothing was stored.',
        max_batch_size: 10_000,
      },
    });
    expect(await storedEvents(server.current.databaseUrl, "event_id LIKE 'rest-huge-%'")).toEqual([]);
  });
});

describe('ingest with INGEST_TOKEN set', () => {
  const server = useTestServer({ config: { ingestToken: 's3cret' } });
  const event = restEvent(1, 'auth');
  const mutation = 'mutation($e: EventInput!) { ingestEvent(event: $e) { stored } }';
  const graphqlEvent = {
    eventId: event.event_id,
    ts: event.ts,
    userId: event.user_id,
    campaignId: event.campaign_id,
    channel: event.channel,
    eventType: 'AD_IMPRESSION',
  };

  it('answers REST 401 {"detail":…} without the token or with a wrong one', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 's3cret' }] as Record<
      string,
      string
    >[]) {
      const single = await post(server.current.baseUrl, '/events', event, headers);
      expect(single.status).toBe(401);
      expect(typeof single.body.detail).toBe('string');
      expect((await post(server.current.baseUrl, '/events/batch', [event], headers)).status).toBe(401);
    }
    expect(await storedEvents(server.current.databaseUrl)).toEqual([]);
  });

  it('answers GraphQL UNAUTHENTICATED with HTTP 401 without the token', async () => {
    const response = await fetch(`${server.current.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: mutation, variables: { e: graphqlEvent } }),
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    expect(body.errors[0]!.message).toMatch(/Authorization: Bearer/);
    expect(await storedEvents(server.current.databaseUrl)).toEqual([]);
  });

  it('accepts the right bearer token on both doors, and reads stay open', async () => {
    const auth = { authorization: 'Bearer s3cret' };
    expect((await post(server.current.baseUrl, '/events', event, auth)).body).toEqual({
      ingested: true,
      duplicate: false,
    });
    const result = await graphql(server.current.baseUrl, mutation, { e: { ...graphqlEvent, eventId: 'auth-2' } }, auth);
    expect(result).toEqual({ data: { ingestEvent: { stored: 1 } } });
    expect((await graphql(server.current.baseUrl, '{ serverTime }')).errors).toBeUndefined();
  });
});
