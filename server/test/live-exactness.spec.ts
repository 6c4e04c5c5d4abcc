import { createDatabaseClients, type DatabaseClients } from '@pmd/db';
import { bruteForce, expectTotals, KPI_TOTALS_FIELDS, randomEvents, seededRandom, storeTestEvents } from '@pmd/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from './testkit/server.ts';
import { collect, type Collected } from './testkit/subscription.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

const OVERVIEW = `subscription ($window: WindowInput!, $filter: KpiFilter) {
  liveOverview(window: $window, filter: $filter) {
    window { from to } comparisonWindow { from to }
    current { ${KPI_TOTALS_FIELDS} } previous { ${KPI_TOTALS_FIELDS} } } }`;
const FUNNEL = `subscription ($window: WindowInput!, $filter: KpiFilter) {
  liveFunnel(window: $window, filter: $filter) { window { from to } stages { stage count } } }`;
const BREAKDOWN = `subscription ($window: WindowInput!, $filter: KpiFilter, $by: BreakdownDimension) {
  liveBreakdown(window: $window, filter: $filter, by: $by) {
    window { from to } rows { campaignId channel totals { ${KPI_TOTALS_FIELDS} } } } }`;

interface View {
  name: string;
  query: string;
  variables: Record<string, unknown>;
  /** Compares a pushed value with brute force over raw events for the window it reports. */
  check(pool: DatabaseClients['pool'], data: any): Promise<void>;
}

const filterOf = (variables: Record<string, any>) => ({
  campaignIds: variables.filter?.campaignIds,
  channels: variables.filter?.channels,
});

function overviewView(name: string, variables: Record<string, unknown>): View {
  return {
    name,
    query: OVERVIEW,
    variables,
    async check(pool, data) {
      const value = data.liveOverview;
      const [current] = await bruteForce(pool, value.window, filterOf(variables));
      expectTotals(value.current, current, `${name} current`);
      const [previous] = await bruteForce(pool, value.comparisonWindow, filterOf(variables));
      expectTotals(value.previous, previous, `${name} previous`);
    },
  };
}

function funnelView(name: string, variables: Record<string, unknown>): View {
  return {
    name,
    query: FUNNEL,
    variables,
    async check(pool, data) {
      const value = data.liveFunnel;
      const [expected] = await bruteForce(pool, value.window, filterOf(variables));
      expect(
        value.stages.map((stage: any) => stage.count),
        name,
      ).toEqual([expected!.impressions, expected!.clicks, expected!.signups, expected!.activations]);
    },
  };
}

function breakdownView(name: string, variables: Record<string, unknown>, by: 'CAMPAIGN' | 'CHANNEL'): View {
  const column = by === 'CAMPAIGN' ? 'campaign_id' : 'channel';
  return {
    name,
    query: BREAKDOWN,
    variables: { ...variables, by },
    async check(pool, data) {
      const value = data.liveBreakdown;
      const expected = await bruteForce(pool, value.window, { ...filterOf(variables), groupBy: [column] });
      const key = (row: any) => (by === 'CAMPAIGN' ? row.campaignId : row.channel);
      expect(value.rows.map(key).sort(), name).toEqual(expected.map((row) => row[column]).sort());
      for (const row of value.rows) {
        expectTotals(
          row.totals,
          expected.find((candidate) => candidate[column] === key(row)),
          `${name} ${key(row)}`,
        );
      }
    },
  };
}

// One hour of minute rows in memory: windows of 3 hours and calendar days also read their older part from SQL.
describe('live views from memory equal brute force over raw events', () => {
  const server = useTestServer({ config: { liveMemoryHours: 1 } });
  let clients: DatabaseClients;
  const random = seededRandom(1717);
  const between = (count: number, agoFrom: number, agoTo: number) =>
    randomEvents(random, count, { from: new Date(Date.now() - agoFrom), to: new Date(Date.now() - agoTo) });

  const views: View[] = [
    overviewView('overview last 180 min', { window: { lastMinutes: 180 } }),
    overviewView('overview today Asia/Kolkata, two campaigns', {
      window: { period: 'TODAY', timeZone: 'Asia/Kolkata' },
      filter: { campaignIds: ['camp_google_brand', 'camp_meta_prospecting'] },
    }),
    overviewView('overview last 1440 min, meta', { window: { lastMinutes: 1440 }, filter: { channels: ['meta'] } }),
    funnelView('funnel last 30 min, two channels', {
      window: { lastMinutes: 30 },
      filter: { channels: ['meta', 'google'] },
    }),
    funnelView('funnel today UTC', { window: { period: 'TODAY', timeZone: 'UTC' } }),
    breakdownView('breakdown by campaign, last 300 min', { window: { lastMinutes: 300 } }, 'CAMPAIGN'),
    breakdownView(
      'breakdown by channel, today Asia/Kolkata, one campaign and two channels',
      {
        window: { period: 'TODAY', timeZone: 'Asia/Kolkata' },
        filter: { campaignIds: ['camp_google_brand'], channels: ['google', 'meta'] },
      },
      'CHANNEL',
    ),
    breakdownView('breakdown by channel, last 90 min', { window: { lastMinutes: 90 } }, 'CHANNEL'),
  ];
  let subscriptions: Collected<any>[] = [];

  beforeAll(async () => {
    clients = createDatabaseClients(server.current.databaseUrl);
    await storeTestEvents(clients.pool, between(3_000, 30 * HOUR_MS, 0));
    subscriptions = views.map((view) => collect<any>(server.current.wsUrl, view.query, view.variables));
  });

  afterAll(async () => {
    await Promise.all(subscriptions.map((subscription) => subscription.dispose()));
    await clients?.close();
  });

  /** Every view's next pushed value (one notification: one push each), checked against brute force. */
  async function checkNext(): Promise<void> {
    for (const [index, view] of views.entries()) {
      const result = await subscriptions[index]!.next(15_000);
      expect(result.errors, view.name).toBeUndefined();
      await view.check(clients.pool, result.data);
    }
  }

  it('first values, and windows that end at the end of the current minute', async () => {
    await checkNext();
    const last = subscriptions[0]!.results.at(-1)!.data.liveOverview.window;
    const [from, to] = [Date.parse(last.from), Date.parse(last.to)];
    expect(to % MINUTE_MS).toBe(0);
    expect(to - from).toBe(180 * MINUTE_MS);
    expect(to).toBeGreaterThan(Date.now() - MINUTE_MS);
  });

  it('after an ingest of recent events and late ones older than the memory span (by hours and a day)', async () => {
    const events = [
      ...between(400, 5 * MINUTE_MS, 0),
      ...between(100, 150 * MINUTE_MS, 130 * MINUTE_MS),
      ...between(100, 20 * HOUR_MS, 19 * HOUR_MS),
    ];
    expect(await storeTestEvents(clients.pool, events, { notify: true })).toBe(600);
    await checkNext();
  });

  it('after the LISTEN connection was cut and notifications were lost meanwhile', async () => {
    const { rows } = await clients.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`,
    );
    expect(rows.length).toBeGreaterThan(0);
    // Notified while nobody listens: only the reconnect's "anything may have changed" brings these in.
    await storeTestEvents(
      clients.pool,
      [...between(200, 3 * MINUTE_MS, 0), ...between(50, 10 * HOUR_MS, 9 * HOUR_MS)],
      {
        notify: true,
      },
    );
    await checkNext();
  });
});
