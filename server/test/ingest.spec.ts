import { NOTIFY_CHANNELS, type EventsIngestedPayload } from '@pmd/db';
import { setImmediate as nextTurn } from 'node:timers/promises';
import pg from 'pg';
import { ingestEvents } from '../src/services/ingest.ts';
import { describe, expect, it } from 'vitest';
import { expectedRow, minuteRollupMismatches, restEvent, storedEvents, graphqlEvent, withClient } from '@pmd/testkit';
import { graphql, INGEST, useTestServer } from './testkit/server.ts';

describe('GraphQL ingestEvents', () => {
  const server = useTestServer();
  const ingest = async (events: unknown[]) => {
    const result = await graphql(server.current.baseUrl, INGEST, { events });
    expect(result.errors).toBeUndefined();
    return result.data.ingestEvents;
  };

  it('stores exactly the valid input: every field, microseconds and cost included', async () => {
    const events = Array.from({ length: 300 }, (_, i) => restEvent(i, 'exact'));
    const result = await ingest(events.map(graphqlEvent));
    expect(result).toEqual({ __typename: 'IngestResult', received: 300, stored: 300, duplicates: 0, rejected: [] });
    // ts reaches the validator as text, as over REST: microseconds are kept (ingest-doors.spec.ts compares the doors).
    const expected = events.map(expectedRow).sort((a, b) => (a.event_id < b.event_id ? -1 : 1));
    expect(await storedEvents(server.current.databaseUrl, "event_id LIKE 'exact-%'")).toEqual(expected);
    expect(await minuteRollupMismatches(server.current.databaseUrl)).toEqual([]);
  });

  it('stores nothing when the same batch comes twice, and reports every event as a duplicate', async () => {
    const events = Array.from({ length: 120 }, (_, i) => graphqlEvent(restEvent(i, 'twice')));
    expect(await ingest(events)).toMatchObject({ received: 120, stored: 120, duplicates: 0 });
    const before = await storedEvents(server.current.databaseUrl);
    expect(await ingest(events)).toMatchObject({ received: 120, stored: 0, duplicates: 120, rejected: [] });
    expect(await storedEvents(server.current.databaseUrl)).toEqual(before);
    expect(await minuteRollupMismatches(server.current.databaseUrl)).toEqual([]);
  });

  it('counts an event_id repeated inside one batch once, keeping the first copy', async () => {
    const first = graphqlEvent(restEvent(1, 'repeat'));
    const result = await ingest([first, { ...first, cost: 99 }, first]);
    expect(result).toMatchObject({ received: 3, stored: 1, duplicates: 2 });
    const [row] = await storedEvents(server.current.databaseUrl, "event_id = 'repeat-1'");
    expect(row!.cost).toBe(first.cost);
  });

  it('stores the valid events of a mixed batch and reports each invalid one with its reasons', async () => {
    const good = [0, 1, 2].map((i) => graphqlEvent(restEvent(i, 'mixed')));
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const batch = [
      good[0],
      { ...graphqlEvent(restEvent(10, 'mixed')), cost: -1 },
      good[1],
      { ...graphqlEvent(restEvent(11, 'mixed')), ts: future, eventId: '' },
      { ...graphqlEvent(restEvent(12, 'mixed')), channel: 'c'.repeat(65) },
      good[2],
    ];
    expect(await ingest(batch)).toEqual({
      __typename: 'IngestResult',
      received: 6,
      stored: 3,
      duplicates: 0,
      rejected: [
        { index: 1, eventId: 'mixed-10', reasons: ['cost: Input should be greater than or equal to 0'] },
        {
          index: 3,
          eventId: '',
          reasons: [
            'eventId: String should not be empty or blank',
            'ts: Input should not be more than 5 minutes in the future',
          ],
        },
        { index: 4, eventId: 'mixed-12', reasons: ['channel: String should have at most 64 characters'] },
      ],
    });
    const stored = await storedEvents(server.current.databaseUrl, "event_id LIKE 'mixed-%'");
    expect(stored.map((row) => row.event_id)).toEqual(['mixed-0', 'mixed-1', 'mixed-2']);
  });

  it('refuses more than 10,000 events with BatchTooLargeError and stores nothing', async () => {
    const events = Array.from({ length: 10_001 }, (_, i) => graphqlEvent(restEvent(i, 'huge')));
    expect(await ingest(events)).toEqual({
      __typename: 'BatchTooLargeError',
      message: 'A batch holds at most 10000 events; this one has 10001. Nothing was stored.',
      maxBatchSize: 10_000,
      received: 10_001,
    });
    expect(await storedEvents(server.current.databaseUrl, "event_id LIKE 'huge-%'")).toEqual([]);
  });

  it('ingestEvent stores one event and reports a re-send as a duplicate', async () => {
    const query = /* GraphQL */ `
      mutation One($event: EventInput!) {
        ingestEvent(event: $event) {
          received
          stored
          duplicates
          rejected {
            reasons
          }
        }
      }
    `;
    const event = graphqlEvent(restEvent(5, 'single'));
    const first = await graphql(server.current.baseUrl, query, { event });
    expect(first.data.ingestEvent).toEqual({ received: 1, stored: 1, duplicates: 0, rejected: [] });
    const again = await graphql(server.current.baseUrl, query, { event });
    expect(again.data.ingestEvent).toEqual({ received: 1, stored: 0, duplicates: 1, rejected: [] });
  });

  it('marks one dirty hour per (campaign, channel, hour) inserted and notifies once per batch with stored > 0', async () => {
    const url = server.current.databaseUrl;
    await withClient(url, async (listener) => {
      const notes: EventsIngestedPayload[] = [];
      listener.on('notification', (note) => notes.push(JSON.parse(note.payload!)));
      await listener.query(`LISTEN ${NOTIFY_CHANNELS.eventsIngested}`);
      await listener.query('TRUNCATE rollup_dirty_hours');
      const events = Array.from({ length: 200 }, (_, i) => restEvent(i, 'dirty'));
      await ingest(events.map(graphqlEvent));
      await ingest(events.map(graphqlEvent)); // all duplicates: no notification, no dirty rows
      await listener.query('SELECT 1'); // notifications sent before this round trip have arrived
      expect(notes).toEqual([
        {
          stored: 200,
          campaignIds: ['camp_google_brand', 'camp_meta_prospecting', 'camp_tiktok_creative'],
          truncated: false,
          minTs: expect.stringMatching(/Z$/),
          maxTs: expect.stringMatching(/Z$/),
        },
      ]);
      const hours = new Set(events.map((e) => `${e.campaign_id}|${e.channel}|${e.ts.slice(0, 13)}`));
      const { rows } = await listener.query(
        `SELECT campaign_id, channel, hour FROM rollup_dirty_hours ORDER BY 1, 2, 3`,
      );
      expect(rows.map((r) => `${r.campaign_id}|${r.channel}|${r.hour.toISOString().slice(0, 13)}`)).toEqual(
        [...hours].sort(),
      );
      const stamps = events.map((e) => Date.parse(e.ts)).sort((a, b) => a - b);
      expect(Date.parse(notes[0]!.minTs)).toBe(stamps[0]);
      expect(Date.parse(notes[0]!.maxTs)).toBe(stamps.at(-1));
    });
  });

  it('never deadlocks or loses counts when 8 batches over the same campaigns and overlapping ids run at once', async () => {
    const batches = Array.from({ length: 8 }, (_, b) => {
      // Batch b covers ids [b*300, b*300+600): every id is in two batches. Shuffled so insertion order differs.
      const events = Array.from({ length: 600 }, (_, i) => graphqlEvent(restEvent(b * 300 + i, 'race')));
      return events.sort(
        (x, y) =>
          ((x.eventId.length * 31 + b * 17 + x.eventId.charCodeAt(6)) % 7) -
          ((y.eventId.length * 31 + b * 17 + y.eventId.charCodeAt(6)) % 7),
      );
    });
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(batches.map((events) => graphql(server.current.baseUrl, INGEST, { events })));
      for (const result of results) expect(result.errors).toBeUndefined();
      const stored = results.reduce((sum, result) => sum + result.data.ingestEvents.stored, 0);
      const duplicates = results.reduce((sum, result) => sum + result.data.ingestEvents.duplicates, 0);
      expect(stored).toBe(round === 0 ? 8 * 300 + 300 : 0);
      expect(stored + duplicates).toBe(8 * 600);
    }
    expect(await storedEvents(server.current.databaseUrl, "event_id LIKE 'race-%'")).toHaveLength(2_700);
    expect(await minuteRollupMismatches(server.current.databaseUrl)).toEqual([]);
  });

  it('never deadlocks when 8 processes (own pools, own writers) ingest overlapping batches at once', async () => {
    // One server process sends at most STATEMENTS_IN_FLIGHT statements at a time (group commit); several processes
    // write many at once.
    const pools = Array.from(
      { length: 8 },
      () => new pg.Pool({ connectionString: server.current.databaseUrl, max: 2 }),
    );
    try {
      for (let round = 0; round < 3; round++) {
        const outcomes = await Promise.all(
          pools.map((pool, p) => {
            const events = Array.from({ length: 400 }, (_, i) =>
              restEvent(p * 200 + ((i * 7 + p * 13) % 400), 'procs'),
            );
            return ingestEvents(pool, events);
          }),
        );
        const stored = outcomes.reduce((sum, outcome) => sum + outcome.stored, 0);
        expect(stored).toBe(round === 0 ? 8 * 200 + 200 : 0);
        expect(outcomes.reduce((sum, outcome) => sum + outcome.stored + outcome.duplicates, 0)).toBe(8 * 400);
      }
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
    expect(await minuteRollupMismatches(server.current.databaseUrl)).toEqual([]);
  });

  it('merges requests that arrive while a statement runs, and credits each shared id to the earliest request', async () => {
    const pool = new pg.Pool({ connectionString: server.current.databaseUrl, max: 2 });
    const listener = new pg.Client({ connectionString: server.current.databaseUrl });
    await listener.connect();
    const notified: EventsIngestedPayload[] = [];
    listener.on('notification', (note) => notified.push(JSON.parse(note.payload!)));
    await listener.query(`LISTEN ${NOTIFY_CHANNELS.eventsIngested}`);
    try {
      const events = (from: number, to: number) =>
        Array.from({ length: to - from }, (_, i) => restEvent(from + i, 'merge'));
      // The first two, each stored in a turn of the event loop of its own, start a statement each; the next two,
      // stored in one turn, go together in a third statement, where the earlier of them is credited the ids they share.
      const firstRequest = ingestEvents(pool, events(0, 100));
      await nextTurn();
      const secondRequest = ingestEvents(pool, [...events(100, 200), ...events(150, 160)]);
      await nextTurn();
      const [first, second, third, fourth] = await Promise.all([
        firstRequest,
        secondRequest,
        ingestEvents(pool, [...events(180, 250), ...events(0, 10)]),
        ingestEvents(pool, events(240, 300)),
      ]);
      expect(first).toMatchObject({ received: 100, stored: 100, duplicates: 0 });
      expect(second).toMatchObject({ received: 110, stored: 100, duplicates: 10 });
      expect(third).toMatchObject({ received: 80, stored: 50, duplicates: 30 });
      expect(fourth).toMatchObject({ received: 60, stored: 50, duplicates: 10 });
      await listener.query('SELECT 1');
      // Three statements (three commits, three notifications) carried the four requests.
      expect(notified.map((note) => note.stored)).toEqual([100, 100, 100]);
    } finally {
      await pool.end();
      await listener.end();
    }
    expect(await storedEvents(server.current.databaseUrl, "event_id LIKE 'merge-%'")).toHaveLength(300);
    expect(await minuteRollupMismatches(server.current.databaseUrl)).toEqual([]);
  });
});
