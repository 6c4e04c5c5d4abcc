import { createDatabaseClients, type DatabaseClients } from '@pmd/db';
import { capturedLogger } from '@pmd/db/testing';
import { COUNTER_NAMES, keptRows, minuteRowsHorizon, rawEventsHorizon, type KpiSums } from '@pmd/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bruteForce,
  expectTotals,
  graphqlEvent,
  KPI_TOTALS_FIELDS,
  letRecordedHorizonsStand,
  randomEvents,
  seededRandom,
  storeTestEvents,
} from '@pmd/testkit';
import { trimMinuteRows } from '../../worker/src/lib/minute-trim.ts';
import { maintainRawEventPartitions } from '../../worker/src/lib/partitions.ts';
import { rollUp } from './testkit/rollup.ts';
import { graphql, INGEST, useTestServer } from './testkit/server.ts';
import { IMPORT_SPEND } from './testkit/spend-import.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SEED = Number(process.env.READS_SEED ?? Date.now() % 1_000_000);
const RETENTION = { rawEventsDays: 3, minuteRowsDays: 5 };

const OVERVIEW = /* GraphQL */ `
  query ($window: WindowInput!) {
    overview(window: $window) {
      ... on Overview {
        coverage { complete answeredFrom answeredTo reason }
        current { ${KPI_TOTALS_FIELDS} }
      }
    }
    breakdown(window: $window, by: CAMPAIGN) {
      ... on Breakdown { coverage { complete answeredFrom answeredTo reason } }
    }
    funnel(window: $window) {
      ... on Funnel { coverage { complete answeredFrom answeredTo reason } }
    }
  }`;

const SERIES = /* GraphQL */ `
  query ($window: WindowInput!) {
    timeSeries(window: $window, granularity: DAY) {
      ... on TimeSeries {
        coverage { complete answeredFrom answeredTo reason }
        points { bucket partial totals { ${KPI_TOTALS_FIELDS} } }
      }
    }
  }`;

const iso = (ms: number) => new Date(ms).toISOString();
/** `iso` without zero milliseconds, as reasons print instants. */
const isoSeconds = (ms: number) => iso(ms).replace('.000Z', 'Z');

/**
 * Both `describe`s' start: a database with `count` seeded random events over the `days` before `now`, rolled up (hours
 * and days). Returns its clients and the random source, for more events.
 */
async function rolledUpEvents(databaseUrl: string, count: number, days: number, now: number) {
  const clients = createDatabaseClients(databaseUrl);
  const random = seededRandom(SEED);
  await storeTestEvents(
    clients.pool,
    randomEvents(random, count, { from: new Date(now - days * DAY), to: new Date(now) }),
  );
  await rollUp(clients.pool, { days: true });
  return { clients, random };
}

/** `pmd_retention_removed_past_settings` by level, from a real scrape of /metrics. */
async function removedPastSettings(baseUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const samples = text.matchAll(/^pmd_retention_removed_past_settings\{level="(\w+)"\} (\d+)$/gm);
  return Object.fromEntries([...samples].map(([, level, value]) => [level!, Number(value)]));
}

interface Coverage {
  complete: boolean;
  answeredFrom: string;
  answeredTo: string;
  reason: string | null;
}

/**
 * Retention end to end on a real server with RAW_EVENTS_RETENTION_DAYS=3 and MINUTE_ROWS_RETENTION_DAYS=5: windows
 * with sub-minute edges before, across and after the horizons are answered from the rows that exist, report the range
 * they answered, and equal a brute-force sum over raw_events of that range, recorded before the drop; after the raw
 * events before the raw horizon are deleted and the minute rows before the minute horizon trimmed, every answer is
 * unchanged. Ingest refuses events older than what is kept at both doors, and stores the rest.
 */
describe(`retention (seed ${SEED})`, () => {
  const server = useTestServer({ config: { retention: RETENTION } });
  let clients: DatabaseClients;
  const now = Date.now();
  const { rawEvents: rawHorizon, minuteRows: minuteHorizon } = keptRows(new Date(now), RETENTION);
  const raw = rawHorizon!.getTime();
  const minutes = minuteHorizon!.getTime();
  // Sub-minute edges everywhere: entirely before the minute horizon, across both, between them, and fully kept.
  const WINDOWS = {
    old: {
      from: minutes - 2 * DAY + 3 * HOUR + 7 * MINUTE + 31_250,
      to: minutes - DAY + 15 * HOUR + 42 * MINUTE + 10_500,
    },
    across: { from: minutes - DAY + HOUR + 7 * MINUTE + 31_000, to: now - 17_500 },
    between: { from: minutes + DAY + 4 * HOUR + 7 * MINUTE + 31_250, to: raw + 5 * HOUR + 12_300 },
    kept: { from: raw + 3 * MINUTE + 7_500, to: now - 30 * MINUTE + 1_500 },
  };
  const answers = new Map<string, { coverage: Coverage; expected: KpiSums }>();

  const windowOf = (range: { from: number; to: number }, timeZone = 'UTC') => ({
    from: iso(range.from),
    to: iso(range.to),
    timeZone,
  });

  beforeAll(async () => {
    const seeded = await rolledUpEvents(server.current.databaseUrl, 9_000, 9, now);
    clients = seeded.clients;
    // Late events of the kept days, not rolled up yet: dirty hours are read from minute rows.
    await storeTestEvents(clients.pool, randomEvents(seeded.random, 300, { from: rawHorizon!, to: new Date(now) }));
  }, 120_000);

  afterAll(async () => {
    await clients?.close();
  });

  async function overviewOf(range: { from: number; to: number }) {
    const result = await graphql(server.current.baseUrl, OVERVIEW, { window: windowOf(range) });
    expect(result.errors).toBeUndefined();
    return result.data;
  }

  it('before the drop: each window reports what it answers, and equals brute force over that range', async () => {
    for (const [name, range] of Object.entries(WINDOWS)) {
      const data = await overviewOf(range);
      const coverage: Coverage = data.overview.coverage;
      // One plan decides: every read of the window reports the same coverage.
      expect(data.breakdown.coverage, name).toEqual(coverage);
      expect(data.funnel.coverage, name).toEqual(coverage);
      const [expected] = await bruteForce(clients.pool, { from: coverage.answeredFrom, to: coverage.answeredTo });
      expectTotals(data.overview.current, expected, name);
      answers.set(name, { coverage, expected: expected! });
    }
    expect(answers.get('kept')!.coverage).toEqual({
      complete: true,
      answeredFrom: iso(WINDOWS.kept.from),
      answeredTo: iso(WINDOWS.kept.to),
      reason: null,
    });
    // Before the minute horizon the edges round inward to whole UTC hours (hour rows are kept).
    expect(answers.get('old')!.coverage).toMatchObject({
      complete: false,
      answeredFrom: iso(Math.ceil(WINDOWS.old.from / HOUR) * HOUR),
      answeredTo: iso(Math.floor(WINDOWS.old.to / HOUR) * HOUR),
    });
    expect(answers.get('old')!.coverage.reason).toContain('MINUTE_ROWS_RETENTION_DAYS');
    expect(answers.get('across')!.coverage).toMatchObject({
      answeredFrom: iso(Math.ceil(WINDOWS.across.from / HOUR) * HOUR),
      answeredTo: iso(WINDOWS.across.to),
    });
    // Between the horizons minute rows still exist: only the sub-minute start is rounded, to the whole minute.
    expect(answers.get('between')!.coverage).toEqual({
      complete: false,
      answeredFrom: iso(Math.ceil(WINDOWS.between.from / MINUTE) * MINUTE),
      answeredTo: iso(WINDOWS.between.to),
      reason: `Answered from ${isoSeconds(Math.ceil(WINDOWS.between.from / MINUTE) * MINUTE)} to ${iso(WINDOWS.between.to)} only: edges inside a minute need raw events, dropped before ${isoSeconds(raw)} (RAW_EVENTS_RETENTION_DAYS).`,
    });
  });

  it('after dropping raw events and trimming minute rows: the same answers, from the rows that remain', async () => {
    const { rowCount: dropped } = await clients.pool.query('DELETE FROM raw_events WHERE ts < $1', [rawHorizon]);
    expect(dropped).toBeGreaterThan(1000);
    const client = await clients.pool.connect();
    try {
      // The first run records the horizon; one once it has stood trims.
      expect((await trimMinuteRows(client, minuteHorizon!)).deleted).toBe(0);
      await letRecordedHorizonsStand(client);
      expect((await trimMinuteRows(client, minuteHorizon!)).deleted).toBeGreaterThan(1000);
    } finally {
      client.release();
    }
    for (const [name, range] of Object.entries(WINDOWS)) {
      const data = await overviewOf(range);
      expect(data.overview.coverage, name).toEqual(answers.get(name)!.coverage);
      expectTotals(data.overview.current, answers.get(name)!.expected, name);
    }
    // The worker trimmed by this server's own horizon: nothing past its settings.
    await server.current.app.context.retention.refresh();
    expect(await removedPastSettings(server.current.baseUrl)).toEqual({ raw_events: 0, minute_rows: 0 });
    // A fully kept window still equals brute force over what raw_events holds now.
    const [expected] = await bruteForce(clients.pool, { from: WINDOWS.kept.from, to: WINDOWS.kept.to });
    expectTotals((await overviewOf(WINDOWS.kept)).overview.current, expected, 'kept after the drop');
  });

  it('Kolkata days across the horizons: the points sum to brute force over the answered range, cut ones partial', async () => {
    const result = await graphql(server.current.baseUrl, SERIES, { window: windowOf(WINDOWS.across, 'Asia/Kolkata') });
    expect(result.errors).toBeUndefined();
    const { coverage, points } = result.data.timeSeries;
    expect(coverage.complete).toBe(false);
    // The last Kolkata midnight (18:30 UTC) before the minute horizon cannot be cut from hour rows.
    expect(new Date(coverage.answeredFrom).getTime()).toBeGreaterThan(minutes - DAY);
    expect(new Date(coverage.answeredFrom).getTime()).toBeLessThanOrEqual(minutes);
    // Raw events before the horizon are gone: recompute the truth from the answers recorded before the drop is not
    // possible for this range, so compare with the overview of the same answered range (itself checked above).
    const overview = await overviewOf({
      from: new Date(coverage.answeredFrom).getTime(),
      to: new Date(coverage.answeredTo).getTime(),
    });
    expect(overview.overview.coverage.complete).toBe(true);
    for (const name of COUNTER_NAMES) {
      const sum = points.reduce((total: number, point: any) => total + point.totals[name], 0);
      expect(sum, name).toBeCloseTo(overview.overview.current[name], 6);
    }
    const first = points.find((point: any) => new Date(point.bucket) <= new Date(coverage.answeredFrom));
    expect(first.partial).toBe(true);
  });

  it('ingest refuses events older than what is kept at both doors, naming the horizon and the setting, and stores the rest', async () => {
    const random = seededRandom(SEED + 1);
    const [old, fresh, restOld, restFresh] = [
      ...randomEvents(random, 1, { from: new Date(raw - HOUR), to: new Date(raw - 1), prefix: 'gql-old' }),
      ...randomEvents(random, 1, { from: new Date(now - HOUR), to: new Date(now - MINUTE), prefix: 'gql-new' }),
      ...randomEvents(random, 1, { from: new Date(minutes - HOUR), to: new Date(minutes), prefix: 'rest-old' }),
      ...randomEvents(random, 1, { from: new Date(now - HOUR), to: new Date(now - MINUTE), prefix: 'rest-new' }),
    ];
    const reason = `Input should not be older than ${isoSeconds(raw)}: raw events are kept 3 days (RAW_EVENTS_RETENTION_DAYS)`;
    const result = await graphql(server.current.baseUrl, INGEST, { events: [old!, fresh!].map(graphqlEvent) });
    expect(result.data.ingestEvents).toMatchObject({
      received: 2,
      stored: 1,
      rejected: [{ index: 0, eventId: old!.event_id, reasons: [`ts: ${reason}`] }],
    });
    const response = await fetch(`${server.current.baseUrl}/events/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([restFresh, restOld]),
    });
    expect(await response.json()).toEqual({
      ingested: 1,
      duplicates: 0,
      rejected: [
        { index: 1, event_id: restOld!.event_id, errors: [{ loc: ['ts'], msg: reason, type: 'datetime_past' }] },
      ],
    });
    const stored = await clients.pool.query('SELECT event_id FROM raw_events WHERE event_id = ANY($1) ORDER BY 1', [
      [old, fresh, restOld, restFresh].map((event) => event!.event_id),
    ]);
    expect(stored.rows.map((row) => row.event_id)).toEqual([fresh!.event_id, restFresh!.event_id].sort());
  });

  it('spend imports refuse periods older than what is kept, and store the rest', async () => {
    const hour = (ms: number) => iso(Math.floor(ms / HOUR) * HOUR).slice(0, 16);
    const result = await graphql(server.current.baseUrl, IMPORT_SPEND, {
      timeZone: 'UTC',
      rows: [
        { hour: hour(raw - 2 * HOUR), campaignId: 'camp_spend', channel: 'google', spend: 5 },
        { hour: hour(now - 3 * HOUR), campaignId: 'camp_spend', channel: 'google', spend: 7 },
      ],
    });
    expect(result.data.importSpend).toMatchObject({
      stored: 1,
      rejected: 1,
      errors: [
        {
          line: 1,
          field: 'hour',
          reason: `the period starts before ${isoSeconds(raw)}: raw events are kept 3 days (RAW_EVENTS_RETENTION_DAYS)`,
        },
      ],
    });
  });

  it('a spend-source switch rewrites only minutes that can be recomputed: minute rows whose raw events are gone stay', async () => {
    const minuteRowsOf = (campaignId: string) =>
      clients.pool.query(
        `SELECT channel, minute, impressions, clicks, total_cost::text FROM campaign_metrics_minute
         WHERE campaign_id = $1 AND minute < $2 ORDER BY channel, minute`,
        [campaignId, rawHorizon],
      );
    const { rows } = await clients.pool.query(
      'SELECT campaign_id FROM campaign_metrics_minute WHERE minute >= $1 AND minute < $2 LIMIT 1',
      [minuteHorizon, rawHorizon],
    );
    const campaignId = rows[0].campaign_id as string;
    const before = await minuteRowsOf(campaignId);
    expect(before.rows.length).toBeGreaterThan(10);
    const switched = await graphql(
      server.current.baseUrl,
      `
        mutation ($campaignId: String!, $input: CampaignInput!) {
          updateCampaign(campaignId: $campaignId, input: $input) {
            __typename
          }
        }
      `,
      { campaignId, input: { name: campaignId, status: 'ACTIVE', currency: 'USD', tags: [], spendSource: 'IMPORTS' } },
    );
    expect(switched.data.updateCampaign.__typename).toBe('Campaign');
    expect((await minuteRowsOf(campaignId)).rows).toEqual(before.rows);
  });
});

/** The worker's settings: it keeps fewer days than the server, which keeps everything (no retention settings). */
const WORKER_RETENTION = { rawEventsDays: 4, minuteRowsDays: 2 };

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

  beforeAll(async () => {
    ({ clients } = await rolledUpEvents(server.current.databaseUrl, 6_000, 7, now));
    // The worker's two retention steps, as its tasks run them at `now`: the first runs record the horizons and remove
    // nothing, the server reads them, and the runs once they have stood remove the rows.
    const client = await clients.pool.connect();
    try {
      expect((await maintainRawEventPartitions(client, new Date(now), new Date(rawHorizon))).droppedEvents).toBe(0);
      expect((await trimMinuteRows(client, new Date(minuteHorizon))).deleted).toBe(0);
      await server.current.app.context.retention.refresh();
      await letRecordedHorizonsStand(client);
      expect(
        (await maintainRawEventPartitions(client, new Date(now), new Date(rawHorizon))).droppedEvents,
      ).toBeGreaterThan(1000);
      expect((await trimMinuteRows(client, new Date(minuteHorizon))).deleted).toBeGreaterThan(1000);
    } finally {
      client.release();
    }
  }, 120_000);

  afterAll(async () => {
    await clients?.close();
  });

  it("logs that the worker removed rows the server's settings keep, and says so on /metrics", async () => {
    const warning = warnings.lines.find((line) => String(line.msg).startsWith('the worker has removed rows'));
    expect(warning).toMatchObject({
      rawEventsRemovedBefore: iso(rawHorizon),
      minuteRowsRemovedBefore: iso(minuteHorizon),
      rawEventsKeptFrom: null,
      minuteRowsKeptFrom: null,
    });
    expect(await removedPastSettings(server.current.baseUrl)).toEqual({ raw_events: 1, minute_rows: 1 });
  });

  it('windows reaching before the trimmed minute rows say so, and equal brute force over what they answer', async () => {
    const window = { from: minuteHorizon - DAY + 3 * HOUR + 7 * MINUTE + 31_250, to: now - 17_500 };
    const result = await graphql(server.current.baseUrl, OVERVIEW, {
      window: { from: iso(window.from), to: iso(window.to), timeZone: 'UTC' },
    });
    expect(result.errors).toBeUndefined();
    const { coverage, current } = result.data.overview;
    expect(result.data.breakdown.coverage).toEqual(coverage);
    expect(result.data.funnel.coverage).toEqual(coverage);
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
      result.data.campaigns.sort((a: { campaignId: string }, b: { campaignId: string }) =>
        a.campaignId.localeCompare(b.campaignId),
      ),
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
