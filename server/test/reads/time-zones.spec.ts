import { createDatabaseClients, type DatabaseClients } from '@pmd/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bruteForce,
  expectTotals,
  KPI_TOTALS_FIELDS,
  localBucketStarts,
  randomEvents,
  seededRandom,
  storeTestEvents,
} from '@pmd/testkit';
import { rollUp } from '../testkit/rollup.ts';
import { graphql, useTestServer } from '../testkit/server.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SEED = Number(process.env.READS_SEED ?? Date.now() % 1_000_000);

/**
 * Periods around the DST changes the issue names: New York falls back on 1 November 2026 (a 25-hour day, 01:00
 * twice), Lord Howe moves its clocks by 30 minutes on 4 October 2026 (a 30-minute hour). Kolkata (+05:30) has no DST
 * but no local hour matches a UTC hour. All three are checked over both periods and the last days.
 */
const PERIODS = {
  newYorkFallBack: { from: Date.parse('2026-10-30T00:00:00Z'), to: Date.parse('2026-11-03T12:00:00Z') },
  lordHoweSpring: { from: Date.parse('2026-10-01T00:00:00Z'), to: Date.parse('2026-10-06T00:00:00Z') },
};
const ZONES = ['Asia/Kolkata', 'America/New_York', 'Australia/Lord_Howe'] as const;
const FILTER = { channels: ['meta', 'google', 'email'] };

const SERIES_QUERY = /* GraphQL */ `
  query ($window: WindowInput!, $granularity: Granularity!, $filter: KpiFilter) {
    timeSeries(window: $window, granularity: $granularity, filter: $filter) {
      __typename
      ... on TimeSeries {
        window { from to timeZone }
        points { bucket bucketEnd partial totals { ${KPI_TOTALS_FIELDS} } }
      }
      ... on InvalidArgumentError { message }
    }
  }`;

/**
 * Every hour and day bucket in three reporting zones against brute force: the oracle finds local bucket starts minute
 * by minute from PostgreSQL's tz database (the product uses Intl's), and sums raw events per bucket. The data has
 * every storage state: clean day and hour rollups, stale ones with late events pending, minute rows, raw edges.
 */
describe(`hour and day buckets in non-UTC zones equal brute force (seed ${SEED})`, () => {
  const server = useTestServer({ config: { reportingTimeZone: 'Asia/Kolkata' } });
  let clients: DatabaseClients;
  const now = Date.now();

  beforeAll(async () => {
    clients = createDatabaseClients(server.current.databaseUrl);
    const { pool } = clients;
    const random = seededRandom(SEED);
    for (const { from, to } of Object.values(PERIODS)) {
      await storeTestEvents(pool, randomEvents(random, 6_000, { from: new Date(from), to: new Date(to) }));
    }
    await storeTestEvents(pool, randomEvents(random, 4_000, { from: new Date(now - 3 * DAY), to: new Date(now) }));
    // Roll up everything older than 5 hours, then add late events: some hours and days are stale and pending.
    await rollUp(pool, { before: new Date(Math.floor((now - 5 * HOUR) / HOUR) * HOUR), days: true });
    for (const { from, to } of Object.values(PERIODS)) {
      await storeTestEvents(pool, randomEvents(random, 300, { from: new Date(from), to: new Date(to) }));
    }
    await storeTestEvents(pool, randomEvents(random, 300, { from: new Date(now - 2 * DAY), to: new Date(now) }));
    const { rows } = await pool.query(
      'SELECT (SELECT count(*) FROM rollup_dirty_hours) AS dirty, (SELECT count(*) FROM campaign_metrics_daily) AS days',
    );
    expect(Number(rows[0].dirty)).toBeGreaterThan(0);
    expect(Number(rows[0].days)).toBeGreaterThan(0);
  }, 120_000);

  afterAll(async () => {
    await clients?.close();
  });

  async function expectSeriesExact(window: Record<string, unknown>, granularity: 'HOUR' | 'DAY', timeZone: string) {
    const result = await graphql(server.current.baseUrl, SERIES_QUERY, {
      window: { ...window, timeZone },
      granularity,
      filter: FILTER,
    });
    expect(result.errors).toBeUndefined();
    const series = result.data.timeSeries;
    expect(series.__typename, series.message).toBe('TimeSeries');
    expect(series.window.timeZone).toBe(timeZone);
    const grain = granularity === 'HOUR' ? 'hour' : 'day';
    const to = Date.parse(series.window.to);
    const boundaries = await localBucketStarts(
      clients.pool,
      { from: series.window.from, to: to + 2 * DAY },
      grain,
      timeZone,
    );
    const count = boundaries.findIndex((start) => start.getTime() >= to);
    const starts = boundaries.slice(0, count);
    const ends = boundaries.slice(1, count + 1);
    expect(series.points.map((p: any) => [p.bucket, p.bucketEnd])).toEqual(
      starts.map((start, i) => [start.toISOString(), ends[i]!.toISOString()]),
    );
    const expected = await bruteForce(clients.pool, series.window, { ...FILTER, bucket: grain, timeZone });
    const byBucket = new Map(expected.map((row) => [row.bucket!.toISOString(), row]));
    for (const point of series.points) {
      expectTotals(point.totals, byBucket.get(point.bucket), `${timeZone} ${point.bucket}`);
      const whole =
        Date.parse(point.bucket) >= Date.parse(series.window.from) &&
        Date.parse(point.bucketEnd) <= Date.parse(series.window.to);
      expect(point.partial, point.bucket).toBe(!whole);
    }
    expect(expected.every((row) => series.points.some((p: any) => p.bucket === row.bucket!.toISOString()))).toBe(true);
    // Revenue, ROAS and revenue per activation were really compared (expectTotals checks them bucket by bucket).
    expect(series.points.some((p: any) => p.totals.revenue > 0 && p.totals.roas > 0)).toBe(true);
    return series;
  }

  for (const timeZone of ZONES) {
    for (const [name, period] of Object.entries(PERIODS)) {
      it(`${timeZone}: hours across ${name}, odd edges`, async () => {
        await expectSeriesExact(
          {
            from: new Date(period.from + 17 * 60_000 + 3_123).toISOString(),
            to: new Date(period.to - 41_777).toISOString(),
          },
          'HOUR',
          timeZone,
        );
      });
      it(`${timeZone}: days across ${name}`, async () => {
        await expectSeriesExact(
          { from: new Date(period.from - DAY).toISOString(), to: new Date(period.to + DAY + 5_000).toISOString() },
          'DAY',
          timeZone,
        );
      });
    }

    it(`${timeZone}: the last 3 days by day and the last 30 hours by hour, live edges included`, async () => {
      await expectSeriesExact({ lastMinutes: 3 * 24 * 60 }, 'DAY', timeZone);
      await expectSeriesExact({ lastMinutes: 30 * 60 }, 'HOUR', timeZone);
    });

    it(`${timeZone}: today and yesterday start at local midnight and equal brute force`, async () => {
      const result = await graphql(
        server.current.baseUrl,
        `query ($zone: String!) {
          today: overview(window: { period: TODAY, timeZone: $zone }) {
            ... on Overview { window { from to timeZone } current { ${KPI_TOTALS_FIELDS} } }
          }
          yesterday: overview(window: { period: YESTERDAY, timeZone: $zone }) {
            ... on Overview { window { from to timeZone } current { ${KPI_TOTALS_FIELDS} } }
          }
        }`,
        { zone: timeZone },
      );
      expect(result.errors).toBeUndefined();
      const { today, yesterday } = result.data;
      const [todayStart] = await localBucketStarts(
        clients.pool,
        { from: today.window.to, to: Date.parse(today.window.to) + 1 },
        'day',
        timeZone,
      );
      expect(today.window.from).toBe(todayStart!.toISOString());
      expect(yesterday.window.to).toBe(todayStart!.toISOString());
      const [yesterdayStart] = await localBucketStarts(
        clients.pool,
        { from: Date.parse(yesterday.window.to) - 1, to: yesterday.window.to },
        'day',
        timeZone,
      );
      expect(yesterday.window.from).toBe(yesterdayStart!.toISOString());
      for (const view of [today, yesterday]) {
        expect(view.window.timeZone).toBe(timeZone);
        const [sums] = await bruteForce(clients.pool, view.window);
        expectTotals(view.current, sums, `${timeZone} ${view.window.from}`);
      }
    });
  }

  it('Africa/Monrovia 1971 (−0:44:30): days that start inside a minute, events only in the edge minutes, equal brute force', async () => {
    // Every local midnight is a sub-minute edge of its own, read from raw events like the window's mid-day ends: a
    // raw read that misses any edge range (each edge's own hull, the days' edges in between) loses these events.
    const window = { from: '1971-06-03T10:15:20.500Z', to: '1971-06-10T10:15:20.500Z' };
    const midnights = Array.from({ length: 8 }, (_, day) => Date.parse('1971-06-03T00:44:30Z') + day * DAY);
    const edges = [Date.parse(window.from), ...midnights.slice(1), Date.parse(window.to)];
    const random = seededRandom(SEED + 1971);
    for (const edge of edges) {
      const minute = Math.floor(edge / 60_000) * 60_000;
      await storeTestEvents(
        clients.pool,
        randomEvents(random, 60, { from: minute, spanMs: 60_000, prefix: `monrovia-${edge}` }),
      );
    }
    const result = await graphql(
      server.current.baseUrl,
      `query ($window: WindowInput!, $filter: KpiFilter) {
        timeSeries(window: $window, granularity: DAY, filter: $filter) {
          ... on TimeSeries { points { bucket bucketEnd totals { ${KPI_TOTALS_FIELDS} } } }
        }
        overview(window: $window, filter: $filter) { ... on Overview { current { ${KPI_TOTALS_FIELDS} } } }
      }`,
      { window: { ...window, timeZone: 'Africa/Monrovia' }, filter: FILTER },
    );
    expect(result.errors).toBeUndefined();
    const { points } = result.data.timeSeries;
    expect(points.map((p: any) => p.bucket)).toEqual(midnights.map((m) => new Date(m).toISOString()));
    for (const point of points) {
      const from = Math.max(Date.parse(point.bucket), Date.parse(window.from));
      const to = Math.min(Date.parse(point.bucketEnd), Date.parse(window.to));
      const [sums] = await bruteForce(clients.pool, { from, to }, FILTER);
      expect(sums!.impressions + sums!.clicks + sums!.signups + sums!.activations, point.bucket).toBeGreaterThan(0);
      expectTotals(point.totals, sums, `Africa/Monrovia ${point.bucket}`);
    }
    const [overall] = await bruteForce(clients.pool, window, FILTER);
    expectTotals(result.data.overview.current, overall, 'Africa/Monrovia overview');
  });

  it('uses REPORTING_TIME_ZONE when a window names no zone, and refuses an unknown zone by argument', async () => {
    const result = await graphql(
      server.current.baseUrl,
      `
        {
          default: timeSeries(window: { lastMinutes: 180 }, granularity: HOUR) {
            ... on TimeSeries {
              window {
                timeZone
              }
              points {
                bucket
              }
            }
          }
          bad: overview(window: { lastMinutes: 60, timeZone: "Mars/Olympus" }) {
            __typename
            ... on InvalidArgumentError {
              message
              argument
            }
          }
        }
      `,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.default.window.timeZone).toBe('Asia/Kolkata');
    // Kolkata hours start at :30 UTC.
    expect(result.data.default.points.every((p: any) => p.bucket.endsWith(':30:00.000Z'))).toBe(true);
    expect(result.data.bad).toMatchObject({ __typename: 'InvalidArgumentError', argument: 'window.timeZone' });
    expect(result.data.bad.message).toContain('IANA');
  });

  it('keeps the REST shims in UTC whatever the reporting zone', async () => {
    const response = await fetch(`${server.current.baseUrl}/campaigns/camp_google_brand/kpis?hours=72`);
    expect(response.status).toBe(200);
    const { rows } = (await response.json()) as { rows: { hour: string }[] };
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.hour.endsWith(':00:00.000Z'))).toBe(true);
  });
});
