import { createDatabaseClients, NOTIFY_CHANNELS, type DatabaseClients } from '@pmd/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { bruteForce, expectTotals, KPI_TOTALS_FIELDS, randomEvents, seededRandom, storeTestEvents } from '@pmd/testkit';
import { useTestServer } from '../testkit/server.ts';
import { collect, primeSubscription } from '../testkit/subscription.ts';

const FUNNEL = `subscription ($window: WindowInput!, $filter: KpiFilter) {
  liveFunnel(window: $window, filter: $filter) { window { from to } stages { stage count } } }`;
const OVERVIEW = `subscription ($window: WindowInput!) {
  liveOverview(window: $window) { window { from to } current { ${KPI_TOTALS_FIELDS} } previous { impressions } } }`;

describe('live subscriptions over graphql-ws, fed by LISTEN/NOTIFY', () => {
  const server = useTestServer();
  let clients: DatabaseClients;
  const random = seededRandom(7);
  const recent = (count: number) =>
    randomEvents(random, count, { from: new Date(Date.now() - 5 * 60_000), to: new Date(Date.now() - 1) });

  beforeAll(async () => {
    clients = createDatabaseClients(server.current.databaseUrl);
    await storeTestEvents(clients.pool, recent(500));
  });

  afterAll(async () => {
    await clients?.close();
  });

  it('liveFunnel: a first value at once, then an update after an ingest, both equal to brute force', async () => {
    const filter = { channels: ['meta', 'google'] };
    const subscription = collect<any>(server.current.wsUrl, FUNNEL, { window: { lastMinutes: 30 }, filter });
    try {
      const first = (await subscription.next()).data.liveFunnel;
      const [expectedFirst] = await bruteForce(clients.pool, first.window, filter);
      expect(first.stages.map((s: any) => s.count)).toEqual([
        expectedFirst!.impressions,
        expectedFirst!.clicks,
        expectedFirst!.signups,
        expectedFirst!.activations,
      ]);
      const stored = await storeTestEvents(clients.pool, recent(300), { notify: true });
      expect(stored).toBe(300);
      const updated = (await subscription.next()).data.liveFunnel;
      const [expected] = await bruteForce(clients.pool, updated.window, filter);
      expect(updated.stages.map((s: any) => s.count)).toEqual([
        expected!.impressions,
        expected!.clicks,
        expected!.signups,
        expected!.activations,
      ]);
      expect(updated.stages[0].count).toBeGreaterThan(first.stages[0].count);
    } finally {
      await subscription.dispose();
    }
  });

  it('liveOverview: subscribers with the same arguments share one computation; updates are at least a second apart', async () => {
    const { tickers } = server.current.app.context;
    const same = [1, 2, 3].map(() => collect<any>(server.current.wsUrl, OVERVIEW, { window: { lastMinutes: 60 } }));
    const other = collect<any>(server.current.wsUrl, OVERVIEW, { window: { lastMinutes: 15 } });
    try {
      await Promise.all([...same, other].map((s) => s.next()));
      expect(tickers.size).toBe(2);
      for (let batch = 0; batch < 6; batch++) {
        await storeTestEvents(clients.pool, recent(50), { notify: true });
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      const { rows } = await clients.pool.query('SELECT count(*) AS n FROM raw_events');
      // The last push reflects every batch.
      const last = await same[0]!.until((data) => {
        const c = data.liveOverview.current;
        return c.impressions + c.clicks + c.signups + c.activations === rows[0].n;
      });
      const [expected] = await bruteForce(clients.pool, last.liveOverview.window);
      expectTotals(last.liveOverview.current, expected);
      for (const subscription of same) {
        // After the first value, updates follow the shared 1 s tick, not each of the notifications 150 ms apart.
        // Arrival times carry the loaded machine's jitter, hence 700 ms rather than 1,000.
        expect(subscription.results.length).toBeGreaterThanOrEqual(3);
        const times = subscription.results.slice(1).map((r) => r.at);
        for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(700);
      }
    } finally {
      await Promise.all([...same, other].map((s) => s.dispose()));
    }
    const deadline = Date.now() + 5_000;
    while (tickers.size && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tickers.size).toBe(0);
  });

  it('serves the same live subscriptions over SSE', async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.current.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: FUNNEL, variables: { window: { lastMinutes: 30 } } }),
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('"liveFunnel"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    const payload = JSON.parse(/data: (.*)/.exec(text)![1]!);
    expect(payload.data.liveFunnel.stages).toHaveLength(4);
  });

  it('metricsUpdated: pushes each rollups-changed notification', async () => {
    const subscription = collect<any>(
      server.current.wsUrl,
      'subscription { metricsUpdated { grain buckets from to } }',
    );
    const payload = { grain: 'hour', buckets: 3, from: '2026-11-25T08:00:00.000Z', to: '2026-11-25T10:00:00.000Z' };
    try {
      await primeSubscription(
        subscription,
        () => clients.pool.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNELS.rollupsChanged, JSON.stringify(payload)]),
        (data) => data.metricsUpdated.buckets === 3,
      );
      expect(subscription.results[0]!.data).toEqual({ metricsUpdated: payload });
    } finally {
      await subscription.dispose();
    }
  });

  it('refuses a bad window with a clear error instead of a stream', async () => {
    const subscription = collect<any>(server.current.wsUrl, OVERVIEW, { window: { lastMinutes: 200_000 } });
    const result = await subscription.next();
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.message).toMatch(/lastMinutes must be an integer between 1 and 129600/);
    await subscription.dispose();
  });

  describe('two server instances on one database', () => {
    let second: App;
    let secondWsUrl: string;

    beforeAll(async () => {
      second = buildApp({ databaseUrl: server.current.databaseUrl });
      secondWsUrl = `ws://127.0.0.1:${await second.start(0)}/graphql`;
    });

    afterAll(async () => {
      await second?.stop();
    });

    it('both deliver every notification', async () => {
      const { rows } = await clients.pool.query(
        `INSERT INTO alerts (campaign_id, channel, metric, current_value, baseline_value, threshold_value, message)
         VALUES ('camp_two', 'google', 'ctr_drop', 0.01, 0.04, 0.028, 'two instances') RETURNING alert_id`,
      );
      const alertId = rows[0].alert_id;
      const query = 'subscription { alertChanged { kind alert { alertId status } } }';
      const subscriptions = [collect<any>(server.current.wsUrl, query), collect<any>(secondWsUrl, query)];
      const notify = () =>
        clients.pool.query('SELECT pg_notify($1, $2)', [
          NOTIFY_CHANNELS.alertChanged,
          JSON.stringify({ alertId, status: 'firing' }),
        ]);
      try {
        await Promise.all(
          subscriptions.map((s) => primeSubscription(s, notify, (d) => d.alertChanged.alert.alertId === alertId)),
        );
        // One notification after both are primed: each instance delivers it.
        await clients.pool.query('SELECT pg_notify($1, $2)', [
          NOTIFY_CHANNELS.alertChanged,
          JSON.stringify({ alertId, status: 'acknowledged' }),
        ]);
        for (const subscription of subscriptions) {
          const change = await subscription.until((d) => d.alertChanged.kind === 'ACKNOWLEDGED');
          expect(change.alertChanged.alert.alertId).toBe(alertId);
        }
      } finally {
        await Promise.all(subscriptions.map((s) => s.dispose()));
      }
    });
  });
});
