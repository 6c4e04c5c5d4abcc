import { createDatabaseClients, storeEvents, type DatabaseClients } from '@pmd/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bruteForce,
  expectTotals,
  KPI_TOTALS_FIELDS,
  randomEvents,
  rollupMismatches,
  seededRandom,
  toEventRow,
  type TestEvent,
} from '@pmd/testkit';
import { rollUp } from '../testkit/rollup.ts';
import { graphql, useTestServer } from '../testkit/server.ts';
import { IMPORT_SPEND as IMPORT } from '../testkit/spend-import.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const SEED = Number(process.env.READS_SEED ?? Date.now() % 1_000_000);
const NEW_YORK = 'America/New_York';
/** New York falls back on 1 November 2026: that local day has 25 hours and 01:00 twice. */
const PERIOD = { from: Date.parse('2026-10-30T00:00:00Z'), to: Date.parse('2026-11-04T00:00:00Z') };

const SET_SOURCE = /* GraphQL */ `
  mutation ($campaignId: String!, $input: CampaignInput!) {
    updateCampaign(campaignId: $campaignId, input: $input) {
      __typename
      ... on Campaign {
        campaignId
        spendSource
      }
      ... on CampaignValidationError {
        issues {
          field
          message
        }
      }
    }
  }
`;
const OVERVIEW = /* GraphQL */ `
  query ($window: WindowInput!) {
    overview(window: $window) { __typename ... on Overview { current { ${KPI_TOTALS_FIELDS} } } }
  }`;
const BREAKDOWN = /* GraphQL */ `
  query ($window: WindowInput!) {
    breakdown(window: $window, by: CAMPAIGN_CHANNEL) {
      __typename ... on Breakdown { rows { campaignId channel totals { ${KPI_TOTALS_FIELDS} } } }
    }
  }`;
const SERIES = /* GraphQL */ `
  query ($window: WindowInput!, $granularity: Granularity!) {
    timeSeries(window: $window, granularity: $granularity) {
      __typename ... on TimeSeries { window { from to } points { bucket totals { ${KPI_TOTALS_FIELDS} } } }
    }
  }`;

/** Events with revenue on activations (the test factory knows no revenue), stored by the ingest statement. */
async function storeWithRevenue(pool: DatabaseClients['pool'], random: () => number, events: TestEvent[]) {
  const rows = events.map((event) => ({
    ...toEventRow(event),
    revenue: event.event_type === 'activation' ? Math.floor(random() * 50_000_000) / 1_000_000 : 0,
  }));
  for (let start = 0; start < rows.length; start += 2_000) {
    await storeEvents(pool, rows.slice(start, start + 2_000), { notify: false });
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Imported spend is exact everywhere: the minute, hourly and daily rollups equal the ledger's brute force, and the
 * KPI reads (overview, breakdown, time series, sub-minute edges included) equal brute force in UTC and New York across
 * its fall-back day, with one events-sourced and one imports-sourced campaign, before and after switching sources.
 */
describe(`imported spend equals brute force (seed ${SEED})`, () => {
  const server = useTestServer({ config: { reportingTimeZone: NEW_YORK } });
  let clients: DatabaseClients;
  const random = seededRandom(SEED);
  const gql = (query: string, variables: Record<string, unknown>) => graphql(server.current.baseUrl, query, variables);

  async function setSource(campaignId: string, spendSource: 'EVENTS' | 'IMPORTS') {
    const input = { name: campaignId, status: 'ACTIVE', currency: 'USD', tags: [], spendSource };
    const result = await gql(SET_SOURCE, { campaignId, input });
    expect(result.errors).toBeUndefined();
    expect(result.data.updateCampaign).toEqual({ __typename: 'Campaign', campaignId, spendSource });
  }

  /** Hour rows of camp_google_brand on google: every local hour of 31 Oct – 2 Nov in New York. */
  function hourRows() {
    const rows: Record<string, unknown>[] = [];
    for (const day of [31, 1, 2]) {
      const month = day === 31 ? 10 : 11;
      for (let hour = 0; hour < 24; hour++) {
        rows.push({
          hour: `2026-${pad(month)}-${pad(day)}T${pad(hour)}:00`,
          campaignId: 'camp_google_brand',
          channel: 'google',
          spend: Math.floor(random() * 90_000_000) / 1_000_000,
          clicks: Math.floor(random() * 100),
        });
      }
    }
    return rows;
  }
  let firstHourRows: Record<string, unknown>[];
  /**
   * An imported hour after every event (New York's 23:00 of 3 November is 04:00 UTC on the 4th): once its campaign
   * takes spend from events again, its minute, hourly and daily rows hold nothing and must be gone, not zero.
   */
  const LONE_HOUR = { hour: '2026-11-03T23:00', campaignId: 'camp_google_brand', channel: 'google', spend: 12.5 };

  const windows = [
    // Sub-minute edges: the trailing raw edge [10:00, 10:00:20) holds an imported hour's start.
    { name: 'odd edges', from: PERIOD.from + 17 * MINUTE + 3_123, to: Date.parse('2026-11-01T10:00:20.500Z') },
    { name: 'the whole period', from: PERIOD.from - HOUR, to: PERIOD.to + HOUR },
    { name: 'the fall-back day', from: Date.parse('2026-11-01T04:00:00Z'), to: Date.parse('2026-11-02T05:00:00Z') },
  ];

  async function expectReadsExact(label: string) {
    const { pool } = clients;
    for (const timeZone of ['UTC', NEW_YORK]) {
      for (const { name, from, to } of windows) {
        const window = { from: new Date(from).toISOString(), to: new Date(to).toISOString(), timeZone };
        const where = `${label}, ${timeZone}, ${name}`;
        const overview = await gql(OVERVIEW, { window });
        expect(overview.errors, where).toBeUndefined();
        const [total] = await bruteForce(pool, window);
        expectTotals(overview.data.overview.current, total, `${where} overview`);

        const breakdown = await gql(BREAKDOWN, { window });
        expect(breakdown.errors, where).toBeUndefined();
        const expected = await bruteForce(pool, window, { groupBy: ['campaign_id', 'channel'] });
        const rows = breakdown.data.breakdown.rows;
        expect(rows.length, where).toBe(expected.length);
        for (const row of expected) {
          const actual = rows.find((r: any) => r.campaignId === row.campaign_id && r.channel === row.channel);
          expectTotals(actual?.totals, row, `${where} breakdown ${row.campaign_id}/${row.channel}`);
        }

        for (const [granularity, bucket] of [
          ['HOUR', 'hour'],
          ['DAY', 'day'],
        ] as const) {
          const series = await gql(SERIES, { window, granularity });
          expect(series.errors, where).toBeUndefined();
          const buckets = await bruteForce(pool, window, { bucket, timeZone });
          const byBucket = new Map(buckets.map((row) => [row.bucket!.toISOString(), row]));
          for (const point of series.data.timeSeries.points) {
            expectTotals(point.totals, byBucket.get(point.bucket), `${where} ${bucket} ${point.bucket}`);
          }
        }
      }
    }
  }

  async function expectRollupsExact(label: string) {
    expect(await rollupMismatches(clients.pool, 'minute'), `${label}: minutes`).toEqual([]);
    await rollUp(clients.pool, { days: true });
    expect(await rollupMismatches(clients.pool, 'hour'), `${label}: hours`).toEqual([]);
    expect(await rollupMismatches(clients.pool, 'day'), `${label}: days`).toEqual([]);
  }

  beforeAll(async () => {
    clients = createDatabaseClients(server.current.databaseUrl);
    const { pool } = clients;
    await storeWithRevenue(pool, random, randomEvents(random, 6_000, { from: PERIOD.from, to: PERIOD.to }));
    // Two campaigns take their spend from imports: one before the upload (its minutes are rebuilt), one after.
    await setSource('camp_google_brand', 'IMPORTS');
    firstHourRows = hourRows();
    const hours = await gql(IMPORT, {
      rows: [
        ...firstHourRows,
        LONE_HOUR,
        // Skipped by the spring-forward change in New York: refused, the others stored.
        { hour: '2026-03-08T02:00', campaignId: 'camp_google_brand', channel: 'google', spend: 1 },
      ],
      timeZone: NEW_YORK,
    });
    expect(hours.data.importSpend).toMatchObject({ stored: 73, replaced: 0, rejected: 1, timeZone: NEW_YORK });
    expect(hours.data.importSpend.errors).toEqual([
      { line: 74, field: 'hour', reason: expect.stringContaining('does not exist') },
    ]);

    // Days of camp_google_brand on meta in New York (the 25-hour 1 November among them) as CSV, with a bad line.
    const csv = [
      'date,campaign_id,channel,spend,impressions',
      '2026-10-30,camp_google_brand,meta,120.5,1000',
      '2026-10-31,camp_google_brand,meta,-3,1000',
      '2026-11-01,camp_google_brand,meta,"99.123456",',
      '2026-11-02,camp_google_brand,meta,80,',
      '2026-11-02,camp_google_brand,meta,81,',
      // camp_meta_prospecting takes spend from events: its imports are stored but do not count (until it switches).
      '2026-10-31,camp_meta_prospecting,meta,500,',
      '2026-11-01,camp_meta_prospecting,meta,400,',
    ].join('\n');
    const days = await gql(IMPORT, { csv, timeZone: NEW_YORK });
    expect(days.data.importSpend).toMatchObject({ stored: 5, replaced: 0, rejected: 2 });
    expect(days.data.importSpend.errors).toEqual([
      { line: 2, field: 'spend', reason: expect.stringContaining('spend must be') },
      { line: 5, field: 'date', reason: 'overlaps the period of line 4' },
    ]);
    const { rows } = await pool.query(
      `SELECT extract(epoch FROM period_end - period_start)::int / 3600 AS hours FROM spend_imports
       WHERE campaign_id = 'camp_google_brand' AND channel = 'meta' AND period_start = '2026-11-01T04:00:00Z'`,
    );
    expect(rows[0].hours).toBe(25);

    // UTC hours of camp_tiktok_creative, switched to imports afterwards (the switch rebuilds its minutes).
    const tiktok = Array.from({ length: 30 }, (_, i) => {
      const at = new Date(Date.parse('2026-10-31T20:00:00Z') + i * HOUR).toISOString();
      return `${at.slice(0, 13)}:00,camp_tiktok_creative,tiktok,${(i * 1.25).toFixed(2)}`;
    });
    const utc = await gql(IMPORT, { csv: ['hour,campaign_id,channel,spend', ...tiktok].join('\r\n'), timeZone: 'UTC' });
    expect(utc.data.importSpend).toMatchObject({ stored: 30, rejected: 0, timeZone: 'UTC' });
    await setSource('camp_tiktok_creative', 'IMPORTS');

    // Events after the switches: their cost is click cost only for the imports-sourced campaigns.
    await storeWithRevenue(pool, random, randomEvents(random, 1_000, { from: PERIOD.from, to: PERIOD.to }));
  }, 180_000);

  afterAll(async () => {
    await clients?.close();
  });

  it('the rollups equal the ledger, with imported spend where a campaign takes it from imports', async () => {
    await expectRollupsExact('after the imports');
    // Late events leave some hours and days stale, so the reads combine every storage state.
    await storeWithRevenue(clients.pool, random, randomEvents(random, 300, { from: PERIOD.from, to: PERIOD.to }));
    expect(await rollupMismatches(clients.pool, 'minute')).toEqual([]);
  }, 60_000);

  it('overview, breakdown and time series equal brute force in UTC and New York', async () => {
    await expectReadsExact('mixed sources');
  }, 120_000);

  it('re-uploading the same rows replaces them and changes no number', async () => {
    const before = await bruteForce(clients.pool, PERIOD, { groupBy: ['campaign_id', 'channel'] });
    const again = await gql(IMPORT, { rows: firstHourRows, timeZone: NEW_YORK });
    expect(again.data.importSpend).toMatchObject({ stored: 72, replaced: 72, rejected: 0, errors: [] });
    expect(await bruteForce(clients.pool, PERIOD, { groupBy: ['campaign_id', 'channel'] })).toEqual(before);
    expect(await rollupMismatches(clients.pool, 'minute')).toEqual([]);
    // A day row replaces the hours it overlaps (same campaign and channel).
    const day = await gql(IMPORT, {
      rows: [{ date: '2026-11-02', campaignId: 'camp_google_brand', channel: 'google', spend: 777 }],
      timeZone: NEW_YORK,
    });
    expect(day.data.importSpend).toMatchObject({ stored: 1, replaced: 24 });
    await expectRollupsExact('after a day replaced hours');
  }, 60_000);

  it('switching a spend source rewrites the spend at once (reads exact before the rollup runs) and the rollups after', async () => {
    await setSource('camp_meta_prospecting', 'IMPORTS');
    await setSource('camp_google_brand', 'EVENTS');
    expect(await rollupMismatches(clients.pool, 'minute')).toEqual([]);
    const { rows } = await clients.pool.query(
      `SELECT count(*)::int AS n FROM rollup_dirty_hours WHERE campaign_id IN ('camp_meta_prospecting', 'camp_google_brand')`,
    );
    expect(rows[0].n).toBeGreaterThan(0);
    await expectReadsExact('after switching, rollups pending');
    await expectRollupsExact('after switching');
    await expectReadsExact('after switching, rolled up');
  }, 240_000);

  it('ingest racing imports and source switches leaves every minute exact (lock order: campaigns, then minutes)', async () => {
    const { pool } = clients;
    const batches = Array.from({ length: 8 }, () =>
      storeWithRevenue(pool, random, randomEvents(random, 400, { from: PERIOD.from, to: PERIOD.to })),
    );
    const uploads = Array.from({ length: 4 }, (_, i) =>
      gql(IMPORT, {
        rows: hourRows().map((row) => ({ ...row, channel: i % 2 ? 'google' : 'meta' })),
        timeZone: NEW_YORK,
      }),
    );
    const switches = [setSource('camp_tiktok_creative', 'EVENTS'), setSource('camp_google_brand', 'IMPORTS')];
    const results = await Promise.all([...uploads, ...switches, ...batches]);
    for (const upload of results.slice(0, uploads.length)) {
      expect((upload as { data: any }).data.importSpend).toMatchObject({ stored: 72, rejected: 0 });
    }
    expect(await rollupMismatches(pool, 'minute')).toEqual([]);
    await expectRollupsExact('after the race');
  }, 120_000);
});
