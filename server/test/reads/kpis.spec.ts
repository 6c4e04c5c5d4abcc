import { createDatabaseClients, type DatabaseClients } from '@pmd/db';
import { DEFAULT_HEALTH_THRESHOLDS, enumName, healthOf, judgeRatio, METRIC_NAMES } from '@pmd/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bruteForce,
  expectTotals,
  KEYS,
  KPI_TOTALS_FIELDS,
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
 * Every number of the read queries against brute-force SQL over raw_events, on random data that exercises each
 * storage level at once: clean daily and hourly rollups, hours with late events whose rollup is stale (dirty rows
 * pending), days whose hours were redone but not the day, minute rows of the last hours, and events from seconds ago.
 */
describe(`KPI reads equal brute force over raw_events (seed ${SEED})`, () => {
  const server = useTestServer();
  let clients: DatabaseClients;
  const now = Date.now();

  beforeAll(async () => {
    clients = createDatabaseClients(server.current.databaseUrl);
    const { pool } = clients;
    const random = seededRandom(SEED);
    await storeTestEvents(
      pool,
      randomEvents(random, 20_000, { from: new Date(now - 10 * DAY), to: new Date(now - 2 * HOUR) }),
    );
    await rollUp(pool, { before: new Date(Math.floor((now - 3 * HOUR) / HOUR) * HOUR), days: true });
    // Late events in old days, hours redone but the days not yet: dirty days pending over clean hours.
    await storeTestEvents(
      pool,
      randomEvents(random, 400, { from: new Date(now - 9 * DAY), to: new Date(now - 5 * DAY) }),
    );
    await rollUp(pool, { before: new Date(now - 4 * DAY) });
    // More late events: hours dirty too, hourly and daily rows stale.
    await storeTestEvents(
      pool,
      randomEvents(random, 400, { from: new Date(now - 8 * DAY), to: new Date(now - 1 * DAY) }),
    );
    await storeTestEvents(
      pool,
      randomEvents(random, 3_000, { from: new Date(now - 2 * HOUR), to: new Date(now - 10_000) }),
    );
    await storeTestEvents(pool, randomEvents(random, 60, { from: new Date(now - 10_000), to: new Date(now - 50) }));
    const { rows } = await pool.query(
      `SELECT (SELECT count(*) FROM rollup_dirty_hours WHERE hour < now() - interval '1 day') AS old_dirty_hours,
              (SELECT count(*) FROM rollup_dirty_days) AS dirty_days, (SELECT count(*) FROM campaign_metrics_daily) AS days,
              (SELECT count(*) FROM raw_events WHERE revenue > 0 AND event_type = 'activation')::int AS valued_activations,
              (SELECT count(*) FROM raw_events WHERE revenue > 0 AND event_type <> 'activation')::int AS valued_others`,
    );
    // The fixture really has every state the reader must handle, and revenue on activations and on other events.
    expect(rows[0].valued_activations).toBeGreaterThan(100);
    expect(rows[0].valued_others).toBeGreaterThan(100);
    expect(rows[0].old_dirty_hours).toBeGreaterThan(0);
    expect(rows[0].dirty_days).toBeGreaterThan(0);
    expect(rows[0].days).toBeGreaterThan(0);
  }, 120_000);

  afterAll(async () => {
    await clients?.close();
  });

  const windows: [string, Record<string, unknown>][] = [
    ['15 min', { lastMinutes: 15 }],
    ['1 h', { lastMinutes: 60 }],
    ['24 h', { lastMinutes: 1440 }],
    ['7 d', { lastMinutes: 10080 }],
    [
      'odd explicit 8.5 d',
      { from: new Date(now - 8.5 * DAY + 17_123).toISOString(), to: new Date(now - 0.25 * DAY - 4_321).toISOString() },
    ],
    [
      'inside one minute',
      { from: new Date(now - 3 * DAY + 5_000).toISOString(), to: new Date(now - 3 * DAY + 65_000).toISOString() },
    ],
  ];
  const filters: [string, Record<string, unknown> | null][] = [
    ['no filter', null],
    ['two campaigns', { campaignIds: ['camp_meta_prospecting', 'camp_google_brand'] }],
    ['channel meta', { channels: ['meta'] }],
    ['campaign and channel', { campaignIds: ['camp_meta_prospecting'], channels: ['instagram'] }],
  ];

  const bruteFilter = (filter: Record<string, unknown> | null) => ({
    campaignIds: (filter?.campaignIds as string[] | undefined) ?? undefined,
    channels: (filter?.channels as string[] | undefined) ?? undefined,
  });

  for (const [windowName, window] of windows) {
    for (const [filterName, filter] of filters) {
      it(`overview, funnel and breakdown: ${windowName}, ${filterName}`, async () => {
        const result = await graphql(
          server.current.baseUrl,
          `query ($window: WindowInput!, $filter: KpiFilter) {
            overview(window: $window, filter: $filter) {
              __typename
              ... on Overview { window { from to minutes } current { ${KPI_TOTALS_FIELDS} } previous { ${KPI_TOTALS_FIELDS} }
                change { impressions clicks ctr spend cpc } }
            }
            funnel(window: $window, filter: $filter) {
              ... on Funnel { window { from to } stages { stage label count conversionFromPrevious conversionFromTop } }
            }
            byCampaign: breakdown(window: $window, filter: $filter, by: CAMPAIGN) {
              ... on Breakdown { window { from to } rows { campaignId channel totals { ${KPI_TOTALS_FIELDS} } status statusReasons
                statusChecks { ratio judgedOverMinutes numerator denominator } } }
            }
            byKey: breakdown(window: $window, filter: $filter, by: CAMPAIGN_CHANNEL, sortBy: CLICKS) {
              ... on Breakdown { window { from to } rows { campaignId channel totals { ${KPI_TOTALS_FIELDS} } status } }
            }
            byChannel: breakdown(window: $window, filter: $filter, by: CHANNEL, sortBy: CTR, descending: false) {
              ... on Breakdown { window { from to } rows { campaignId channel totals { ${KPI_TOTALS_FIELDS} } } }
            }
          }`,
          { window, filter },
        );
        expect(result.errors).toBeUndefined();
        const data = result.data;
        const { pool } = clients;
        const current = data.overview.window;
        const length = Date.parse(current.to) - Date.parse(current.from);
        expect(current.minutes).toBeCloseTo(length / 60_000, 9);
        const [expectedCurrent] = await bruteForce(pool, current, bruteFilter(filter));
        const [expectedPrevious] = await bruteForce(
          pool,
          { from: new Date(Date.parse(current.from) - length), to: current.from },
          bruteFilter(filter),
        );
        expectTotals(data.overview.current, expectedCurrent, 'current');
        expectTotals(data.overview.previous, expectedPrevious, 'previous');
        if (expectedPrevious!.clicks > 0) {
          expect(data.overview.change.clicks).toBeCloseTo(
            (expectedCurrent!.clicks - expectedPrevious!.clicks) / expectedPrevious!.clicks,
            9,
          );
        } else {
          expect(data.overview.change.clicks).toBeNull();
        }

        // Each query resolved its own "now"; compare each against its own window.
        const [funnelSums] = await bruteForce(pool, data.funnel.window, bruteFilter(filter));
        const counts = [funnelSums!.impressions, funnelSums!.clicks, funnelSums!.signups, funnelSums!.activations];
        expect(data.funnel.stages.map((s: any) => s.stage)).toEqual(['IMPRESSION', 'CLICK', 'SIGNUP', 'ACTIVATION']);
        expect(data.funnel.stages.map((s: any) => s.count)).toEqual(counts);
        expect(data.funnel.stages[0].conversionFromPrevious).toBeNull();
        for (let i = 1; i < 4; i++) {
          expect(data.funnel.stages[i].conversionFromPrevious).toBeCloseTo(
            counts[i - 1] ? counts[i]! / counts[i - 1]! : 0,
            9,
          );
          expect(data.funnel.stages[i].conversionFromTop).toBeCloseTo(counts[0] ? counts[i]! / counts[0] : 0, 9);
        }

        for (const [field, groupBy] of [
          ['byCampaign', ['campaign_id']],
          ['byKey', ['campaign_id', 'channel']],
          ['byChannel', ['channel']],
        ] as const) {
          const expectedRows = await bruteForce(pool, data[field].window, {
            ...bruteFilter(filter),
            groupBy: [...groupBy],
          });
          const actualRows = data[field].rows as any[];
          expect(actualRows.length, field).toBe(expectedRows.length);
          const keyOf = (row: any) => `${row.campaign_id ?? row.campaignId ?? '-'}|${row.channel ?? '-'}`;
          const expectedByKey = new Map(
            expectedRows.map((row) => [
              keyOf({ campaign_id: row.campaign_id ?? null, channel: row.channel ?? null }),
              row,
            ]),
          );
          for (const row of actualRows) {
            expect(expectedByKey.has(keyOf(row)), `${field} ${keyOf(row)}`).toBe(true);
            expectTotals(row.totals, expectedByKey.get(keyOf(row)), `${field} ${keyOf(row)}`);
            if (field !== 'byCampaign') continue;
            expect(row.channel).toBeNull();
            // Each ratio is judged on the exact sums of its own judging window (ending where the view ends), and the
            // status is the domain rule's verdict on them.
            const checks = await Promise.all(
              row.statusChecks.map(async (check: any) => {
                const to = Date.parse(data[field].window.to);
                const [sums] = await bruteForce(
                  pool,
                  { from: to - check.judgedOverMinutes * 60_000, to },
                  {
                    ...bruteFilter(filter),
                    campaignIds: [row.campaignId],
                  },
                );
                const ratio = check.ratio === 'CTR' ? 'ctr' : 'signupToActivation';
                const judged = judgeRatio(ratio, sums!, DEFAULT_HEALTH_THRESHOLDS, check.judgedOverMinutes);
                expect([check.numerator, check.denominator], `${keyOf(row)} ${ratio}`).toEqual([
                  judged.numerator,
                  judged.denominator,
                ]);
                return judged;
              }),
            );
            expect(row.statusChecks.length).toBe(2);
            const health = healthOf(checks);
            expect([row.status, row.statusReasons], keyOf(row)).toEqual([health.status, health.reasons]);
          }
        }
        const clicks = data.byKey.rows.map((row: any) => row.totals.clicks);
        expect(clicks).toEqual([...clicks].sort((a, b) => b - a));
        const ctrs = data.byChannel.rows.map((row: any) => row.totals.ctr);
        expect(ctrs).toEqual([...ctrs].sort((a, b) => a - b));
      });
    }
  }

  for (const [windowName, window, granularity] of [
    ['15 min by minute', { lastMinutes: 15 }, 'MINUTE'],
    ['24 h by hour', { lastMinutes: 1440 }, 'HOUR'],
    ['7 d by day', { lastMinutes: 10080 }, 'DAY'],
    [
      'odd 3 d by hour',
      { from: new Date(now - 3 * DAY - 1_234_567).toISOString(), to: new Date(now - DAY + 7_777).toISOString() },
      'HOUR',
    ],
  ] as const) {
    it(`timeSeries ${windowName}: every bucket equals brute force, empty buckets are zeros`, async () => {
      const result = await graphql(
        server.current.baseUrl,
        `query ($window: WindowInput!, $granularity: Granularity!, $filter: KpiFilter) {
          timeSeries(window: $window, granularity: $granularity, filter: $filter) {
            __typename
            ... on TimeSeries { window { from to } granularity points { bucket totals { ${KPI_TOTALS_FIELDS} } } }
          }
        }`,
        { window, granularity, filter: { channels: ['meta', 'google', 'email'] } },
      );
      expect(result.errors).toBeUndefined();
      const series = result.data.timeSeries;
      expect(series.granularity).toBe(granularity);
      const bucket = granularity.toLowerCase() as 'minute' | 'hour' | 'day';
      const expected = await bruteForce(clients.pool, series.window, { channels: ['meta', 'google', 'email'], bucket });
      const expectedByBucket = new Map(expected.map((row) => [row.bucket!.getTime(), row]));
      const step = { minute: 60_000, hour: HOUR, day: DAY }[bucket];
      const first = Math.floor(Date.parse(series.window.from) / step) * step;
      expect(series.points.length).toBe(Math.ceil((Date.parse(series.window.to) - first) / step));
      series.points.forEach((point: any, index: number) => {
        expect(Date.parse(point.bucket)).toBe(first + index * step);
        expectTotals(point.totals, expectedByBucket.get(Date.parse(point.bucket)), point.bucket);
      });
      expect([...expectedByBucket.keys()].every((key) => key >= first)).toBe(true);
    });
  }

  it('sorts a breakdown by every metric of the registry (largest first, null costs last, ties by key)', async () => {
    const result = await graphql(
      server.current.baseUrl,
      `query ($window: WindowInput!) {
        ${METRIC_NAMES.map(
          (name) => `${name}: breakdown(window: $window, by: CAMPAIGN_CHANNEL, sortBy: ${enumName(name)}) {
            ... on Breakdown { rows { campaignId channel totals { ${name} } } } }`,
        ).join('\n')}
      }`,
      { window: { from: new Date(now - 10 * DAY).toISOString(), to: new Date(now).toISOString() } },
    );
    expect(result.errors).toBeUndefined();
    for (const name of METRIC_NAMES) {
      const rows = result.data[name].rows as {
        campaignId: string;
        channel: string;
        totals: Record<string, number | null>;
      }[];
      expect(rows.length, name).toBeGreaterThan(1);
      const expected = [...rows].sort((a, b) => {
        const [x, y] = [a.totals[name]!, b.totals[name]!];
        if (x !== y) return x === null ? 1 : y === null ? -1 : y - x;
        return `${a.campaignId}\u0000${a.channel}` < `${b.campaignId}\u0000${b.channel}` ? -1 : 1;
      });
      expect(rows, name).toEqual(expected);
    }
  });

  it('refuses windows longer than 90 days, shorter than a minute, or ambiguous, with InvalidArgumentError', async () => {
    const cases = [
      { lastMinutes: 129_601 },
      { lastMinutes: 0 },
      { from: new Date(now - 91 * DAY).toISOString(), to: new Date(now).toISOString() },
      { from: new Date(now).toISOString(), to: new Date(now - HOUR).toISOString() },
      { lastMinutes: 60, from: new Date(now - HOUR).toISOString() },
      {},
    ];
    for (const window of cases) {
      const result = await graphql(
        server.current.baseUrl,
        `
          query ($window: WindowInput!) {
            overview(window: $window) {
              __typename
              ... on InvalidArgumentError {
                message
                argument
              }
            }
            funnel(window: $window) {
              __typename
            }
            breakdown(window: $window) {
              __typename
            }
            timeSeries(window: $window, granularity: DAY) {
              __typename
            }
          }
        `,
        { window },
      );
      expect(result.errors, JSON.stringify(window)).toBeUndefined();
      expect(result.data.overview.__typename).toBe('InvalidArgumentError');
      expect(result.data.overview.message).toMatch(/window/);
      for (const field of ['funnel', 'breakdown', 'timeSeries'])
        expect(result.data[field].__typename).toBe('InvalidArgumentError');
    }
    const tooManyPoints = await graphql(
      server.current.baseUrl,
      `
        {
          timeSeries(window: { lastMinutes: 129600 }, granularity: MINUTE) {
            __typename
            ... on InvalidArgumentError {
              argument
            }
          }
        }
      `,
    );
    expect(tooManyPoints.data.timeSeries).toEqual({ __typename: 'InvalidArgumentError', argument: 'granularity' });
  });

  it('answers a 90-day window (the longest) exactly', async () => {
    const result = await graphql(
      server.current.baseUrl,
      `{ overview(window: { lastMinutes: 129600 }) { ... on Overview { window { from to } current { ${KPI_TOTALS_FIELDS} } } } }`,
    );
    const [expected] = await bruteForce(clients.pool, result.data.overview.window);
    expectTotals(result.data.overview.current, expected);
  });

  it('ROAS is revenue / spend: null without spend even with revenue, 0 with spend and no revenue', async () => {
    const at = new Date(now - 30 * 60_000);
    const activation = (campaign_id: string, i: number, cost: number, revenue: number) => ({
      event_id: `money-${campaign_id}-${i}`,
      ts: new Date(at.getTime() + i * 1000).toISOString(),
      user_id: `user_${i}`,
      campaign_id,
      channel: 'email',
      event_type: 'activation' as const,
      cost,
      revenue,
    });
    await storeTestEvents(clients.pool, [
      // Organic: revenue without any spend.
      activation('camp_money_unpaid', 0, 0, 40.5),
      activation('camp_money_unpaid', 1, 0, 19.5),
      // Paid, nothing earned.
      activation('camp_money_unearned', 0, 12.25, 0),
      // 3.20× back: 8 spent, 25.6 earned over two activations.
      activation('camp_money_paid', 0, 5, 25.6),
      activation('camp_money_paid', 1, 3, 0),
    ]);
    const result = await graphql(
      server.current.baseUrl,
      `
        query ($campaignIds: [String!]) {
          breakdown(window: { lastMinutes: 60 }, by: CAMPAIGN, filter: { campaignIds: $campaignIds }, sortBy: ROAS) {
            ... on Breakdown {
              rows {
                campaignId
                totals {
                  revenue
                  spend
                  activations
                  roas
                  revenuePerActivation
                }
              }
            }
          }
        }
      `,
      { campaignIds: ['camp_money_unpaid', 'camp_money_unearned', 'camp_money_paid'] },
    );
    expect(result.errors).toBeUndefined();
    // Largest ROAS first, null (no spend) last.
    expect(result.data.breakdown.rows).toEqual([
      {
        campaignId: 'camp_money_paid',
        totals: { revenue: 25.6, spend: 8, activations: 2, roas: 3.2, revenuePerActivation: 12.8 },
      },
      {
        campaignId: 'camp_money_unearned',
        totals: { revenue: 0, spend: 12.25, activations: 1, roas: 0, revenuePerActivation: 0 },
      },
      {
        campaignId: 'camp_money_unpaid',
        totals: { revenue: 60, spend: 0, activations: 2, roas: null, revenuePerActivation: 30 },
      },
    ]);
  });

  it('lists campaigns with channels and event times, and one campaign or NotFoundError', async () => {
    const result = await graphql(
      server.current.baseUrl,
      `{ campaigns { campaignId channels firstEventAt lastEventAt }
         campaign(campaignId: "camp_meta_prospecting") { __typename ... on Campaign { campaignId channels
           hourlyMetrics(from: "${new Date(now - 10 * DAY).toISOString()}") { campaignId channel hour impressions cost totalCost ctr }
           dailyMetrics(from: "${new Date(now - 10 * DAY).toISOString()}", channel: "meta") { day channel impressions clicks } } }
         missing: campaign(campaignId: "camp_nope") { __typename ... on NotFoundError { message resource id } } }`,
    );
    expect(result.errors).toBeUndefined();
    const { rows } = await clients.pool.query(
      `SELECT campaign_id, array_agg(DISTINCT channel ORDER BY channel) AS channels, min(ts) AS first, max(ts) AS last
       FROM raw_events GROUP BY 1 ORDER BY 1`,
    );
    expect(result.data.campaigns).toEqual(
      rows.map((row) => ({
        campaignId: row.campaign_id,
        channels: row.channels,
        firstEventAt: row.first.toISOString(),
        lastEventAt: row.last.toISOString(),
      })),
    );
    const campaign = result.data.campaign;
    expect(campaign.channels).toEqual(
      KEYS.filter((k) => k.campaign_id === 'camp_meta_prospecting')
        .map((k) => k.channel)
        .sort(),
    );
    const hourly = await clients.pool.query(
      `SELECT count(*) AS n FROM campaign_metrics_hourly WHERE campaign_id = 'camp_meta_prospecting' AND hour >= $1`,
      [new Date(now - 10 * DAY)],
    );
    expect(campaign.hourlyMetrics).toHaveLength(hourly.rows[0].n);
    const hours = campaign.hourlyMetrics.map((row: any) => row.hour);
    expect(hours).toEqual([...hours].sort());
    expect(campaign.dailyMetrics.length).toBeGreaterThan(0);
    expect(
      campaign.dailyMetrics.every((row: any) => /^\d{4}-\d{2}-\d{2}$/.test(row.day) && row.channel === 'meta'),
    ).toBe(true);
    expect(result.data.missing).toEqual({
      __typename: 'NotFoundError',
      message: 'No campaign "camp_nope" is known (no events, spend or settings).',
      resource: 'Campaign',
      id: 'camp_nope',
    });
  });
});
