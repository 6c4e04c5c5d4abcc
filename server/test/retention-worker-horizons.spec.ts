import { createDatabaseClients, type DatabaseClients } from '@pmd/db';
import { capturedLogger } from '@pmd/db/testing';
import { minuteRowsHorizon, rawEventsHorizon } from '@pmd/domain';
import {
  bruteForce,
  expectTotals,
  graphqlEvent,
  KPI_TOTALS_FIELDS,
  randomEvents,
  seededRandom,
  storeTestEvents,
} from '@pmd/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trimMinuteRows } from '../../worker/src/lib/minute-trim.ts';
import { maintainRawEventPartitions } from '../../worker/src/lib/partitions.ts';
import { rollUp } from './testkit/rollup.ts';
import { graphql, INGEST, useTestServer } from './testkit/server.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SEED = Number(process.env.READS_SEED ?? Date.now() % 1_000_000);
/** The worker's settings: it keeps fewer days than the server, which keeps everything (no retention settings). */
const WORKER_RETENTION = { rawEventsDays: 4, minuteRowsDays: 2 };

const OVERVIEW = /* GraphQL */ `
  query ($window: WindowInput!) {
    overview(window: $window) {
      ... on Overview {
        coverage { complete answeredFrom answeredTo reason }
        current { ${KPI_TOTALS_FIELDS} }
      }
    }
  }`;

const CAMPAIGNS = /* GraphQL */ `
  query {
    campaigns {
      campaignId
      firstEventAt
      lastEventAt
    }
  }
`;

/**
 * A server keeping everything beside a worker keeping 4 days of raw events and 2 of minute rows (settings that differ
 * between the two processes): once the worker has dropped and trimmed, and recorded it, the server counts on nothing
 * the worker removed. Its windows answer only what the remaining rows can, and say so; ingest refuses events the
 * worker's next run would delete or whose hours can no longer be recomputed; the campaign list's first event comes
 * from the raw events that remain, not from minute rows that are gone.
 */
describe(`a worker keeping fewer days than the server (seed ${SEED})`, () => {
  const warnings = capturedLogger('server', 'warn');
  const server = useTestServer({ log: warnings.log });
  let clients: DatabaseClients;
  const now = Date.now();
  const rawHorizon = rawEventsHorizon(new Date(now), WORKER_RETENTION)!.getTime();
  const minuteHorizon = minuteRowsHorizon(new Date(now), WORKER_RETENTION)!.getTime();
  const iso = (ms: number) => new Date(ms).toISOString();
  const isoSeconds = (ms: number) => iso(ms).replace('.000Z', 'Z');

  beforeAll(async () => {
    clients = createDatabaseClients(server.current.databaseUrl);
    const random = seededRandom(SEED);
    await storeTestEvents(
      clients.pool,
      randomEvents(random, 6_000, { from: new Date(now - 7 * DAY), to: new Date(now) }),
    );
    await rollUp(clients.pool, { days: true });
    // The worker's two retention steps, as its tasks run them at `now`.
    const client = await clients.pool.connect();
    try {
      const run = await maintainRawEventPartitions(client, new Date(now), new Date(rawHorizon));
      expect(run.droppedEvents).toBeGreaterThan(1000);
      expect((await trimMinuteRows(client, new Date(minuteHorizon))).deleted).toBeGreaterThan(1000);
    } finally {
      client.release();
    }
    await server.current.app.context.retention.refresh();
  }, 120_000);

  afterAll(async () => {
    await clients?.close();
  });

  it("logs that the worker removed rows the server's settings keep", () => {
    const warning = warnings.lines.find((line) => String(line.msg).startsWith('the worker has removed rows'));
    expect(warning).toMatchObject({
      rawEventsRemovedBefore: iso(rawHorizon),
      minuteRowsRemovedBefore: iso(minuteHorizon),
      rawEventsKeptFrom: null,
      minuteRowsKeptFrom: null,
    });
  });

  it('windows reaching before the trimmed minute rows say so, and equal brute force over what they answer', async () => {
    const window = { from: minuteHorizon - DAY + 3 * HOUR + 7 * MINUTE + 31_250, to: now - 17_500 };
    const result = await graphql(server.current.baseUrl, OVERVIEW, {
      window: { from: iso(window.from), to: iso(window.to), timeZone: 'UTC' },
    });
    expect(result.errors).toBeUndefined();
    const { coverage, current } = result.data.overview;
    // The start rounds inward to the whole hour (hour rows are kept), as with the server's own settings.
    expect(coverage).toMatchObject({
      complete: false,
      answeredFrom: iso(Math.ceil(window.from / HOUR) * HOUR),
      answeredTo: iso(window.to),
    });
    expect(coverage.reason).toContain(`minute rows, trimmed before ${isoSeconds(minuteHorizon)}`);
    // Raw events are kept from the earlier raw horizon on, so brute force over the answered range is still possible.
    const [expected] = await bruteForce(clients.pool, { from: coverage.answeredFrom, to: coverage.answeredTo });
    expectTotals(current, expected, 'across the trimmed minute rows');
  });

  it("the campaign list's first and last events equal brute force over the raw events that remain", async () => {
    const result = await graphql(server.current.baseUrl, CAMPAIGNS);
    expect(result.errors).toBeUndefined();
    const { rows } = await clients.pool.query<{ campaign_id: string; first: Date; last: Date }>(
      'SELECT campaign_id, min(ts) AS first, max(ts) AS last FROM raw_events GROUP BY 1 ORDER BY 1',
    );
    // The first events lie between the two horizons: in raw events, before any minute row that remains.
    expect(rows.every((row) => row.first.getTime() < minuteHorizon)).toBe(true);
    expect(
      result.data.campaigns
        .map((c: { campaignId: string; firstEventAt: string; lastEventAt: string }) => c)
        .sort((a: { campaignId: string }, b: { campaignId: string }) => a.campaignId.localeCompare(b.campaignId)),
    ).toEqual(
      rows.map((row) => ({
        campaignId: row.campaign_id,
        firstEventAt: row.first.toISOString(),
        lastEventAt: row.last.toISOString(),
      })),
    );
  });

  it('ingest refuses events before what the worker removed, naming it, and stores the rest', async () => {
    const random = seededRandom(SEED + 1);
    const [dropped, trimmed, fresh] = [
      ...randomEvents(random, 1, {
        from: new Date(rawHorizon - HOUR),
        to: new Date(rawHorizon - 1),
        prefix: 'dropped',
      }),
      ...randomEvents(random, 1, {
        from: new Date(minuteHorizon - HOUR),
        to: new Date(minuteHorizon - 1),
        prefix: 'trimmed',
      }),
      ...randomEvents(random, 1, { from: new Date(now - HOUR), to: new Date(now - MINUTE), prefix: 'fresh' }),
    ];
    const reason = `Input should not be older than ${isoSeconds(minuteHorizon)}: the worker has trimmed minute rows before then (its MINUTE_ROWS_RETENTION_DAYS keeps fewer days than the server's)`;
    const result = await graphql(server.current.baseUrl, INGEST, {
      events: [dropped!, trimmed!, fresh!].map(graphqlEvent),
    });
    expect(result.data.ingestEvents).toMatchObject({
      received: 3,
      stored: 1,
      rejected: [
        { index: 0, eventId: dropped!.event_id, reasons: [`ts: ${reason}`] },
        { index: 1, eventId: trimmed!.event_id, reasons: [`ts: ${reason}`] },
      ],
    });
    const response = await fetch(`${server.current.baseUrl}/events/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([dropped]),
    });
    expect(await response.json()).toEqual({
      ingested: 0,
      duplicates: 0,
      rejected: [
        { index: 0, event_id: dropped!.event_id, errors: [{ loc: ['ts'], msg: reason, type: 'datetime_past' }] },
      ],
    });
    const stored = await clients.pool.query('SELECT event_id FROM raw_events WHERE event_id = ANY($1)', [
      [dropped, trimmed, fresh].map((event) => event!.event_id),
    ]);
    expect(stored.rows).toEqual([{ event_id: fresh!.event_id }]);
  });
});
