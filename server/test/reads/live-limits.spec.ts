import { createDatabaseClients, type DatabaseClients } from '@pmd/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readServerConfig } from '../../src/config.ts';
import { graphqlEvent, randomEvents, seededRandom, storeTestEvents } from '@pmd/testkit';
import { graphql, useTestServer } from '../testkit/server.ts';
import { collect, wsClient, type Collected, type CollectedResult } from '../testkit/subscription.ts';

const OVERVIEW = `subscription ($window: WindowInput!) {
  liveOverview(window: $window) { current { impressions clicks signups activations } } }`;
const INGEST = `mutation ($events: [EventInput!]!) { ingestEvents(events: $events) { ... on IngestResult { stored } } }`;

interface Live {
  liveOverview: { current: { impressions: number; clicks: number; signups: number; activations: number } };
}
const total = ({ liveOverview: { current: c } }: Live) => c.impressions + c.clicks + c.signups + c.activations;
const view = (lastMinutes: number) => ({ window: { lastMinutes } });

/** The first event of the OVERVIEW subscription over SSE (a request of its own, so a connection of its own). */
async function firstSseEvent(baseUrl: string, variables: Record<string, unknown>) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: OVERVIEW, variables }),
  });
  return JSON.parse(/data: (.*)/.exec(await response.text())![1]!);
}

function expectRefused(result: CollectedResult<Live>, limit: string, max: number) {
  expect(result.data ?? null).toBeNull();
  expect(result.errors?.[0]?.message).toContain(limit);
  expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'LIVE_VIEW_LIMIT', limit, max });
}

describe('fair sharing: caps on live views, and their own pool', () => {
  // Small limits so the tests reach them: 3 subscriptions per connection, 4 distinct views, 1 live connection.
  const server = useTestServer({ config: { liveMaxSubscriptionsPerConnection: 3, liveMaxViews: 4, livePoolSize: 1 } });
  let clients: DatabaseClients;
  const random = seededRandom(11);
  const recent = (count: number) =>
    randomEvents(random, count, { from: new Date(Date.now() - 5 * 60_000), to: new Date(Date.now() - 1) });
  const open: Collected<Live>[] = [];
  const subscribe = (connection: Parameters<typeof collect>[0], lastMinutes: number) => {
    const subscription = collect<Live>(connection, OVERVIEW, view(lastMinutes));
    open.push(subscription);
    return subscription;
  };

  beforeAll(async () => {
    clients = createDatabaseClients(server.current.databaseUrl);
    await storeTestEvents(clients.pool, recent(200));
  });

  afterAll(async () => {
    await clients?.close();
  });

  /** Disposes every subscription of the test and waits until the server has let go of their views. */
  async function disposeAll() {
    await Promise.all(open.splice(0).map((s) => s.dispose()));
    const { tickers } = server.current.app.context;
    const deadline = Date.now() + 5_000;
    while (tickers.size && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tickers.size).toBe(0);
  }

  /** Ingests with NOTIFY and waits until every subscription shows the new events. */
  async function expectDelivering(subscriptions: Collected<Live>[]) {
    const { rows } = await clients.pool.query('SELECT count(*) AS n FROM raw_events');
    await storeTestEvents(clients.pool, recent(20), { notify: true });
    for (const subscription of subscriptions) await subscription.until((data) => total(data) > rows[0].n);
  }

  it('refuses the subscription past LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION; the socket and its others keep going', async () => {
    const socket = wsClient(server.current.wsUrl);
    try {
      const held = [15, 16, 17].map((minutes) => subscribe(socket, minutes));
      for (const subscription of held) expect((await subscription.next()).data).toBeDefined();
      // A fourth distinct view, and an equal one: a connection's subscriptions count whatever they ask for.
      expectRefused(await subscribe(socket, 18).next(), 'LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION', 3);
      expectRefused(await subscribe(socket, 15).next(), 'LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION', 3);
      await expectDelivering(held);
      // The cap is per connection: another websocket gets the same view.
      expect((await subscribe(server.current.wsUrl, 18).next()).data).toBeDefined();
      // Unsubscribing gives the slot back on the same socket.
      await held[0]!.dispose();
      const again = subscribe(socket, 19);
      expect((await again.next()).data).toBeDefined();
      await expectDelivering([held[1]!, held[2]!, again]);
    } finally {
      await disposeAll();
      await socket.dispose();
    }
  });

  it('refuses a new distinct view past LIVE_MAX_VIEWS; subscribers of a running view never count', async () => {
    const { tickers } = server.current.app.context;
    const [a, b, c] = [0, 1, 2].map(() => wsClient(server.current.wsUrl));
    try {
      const running = [subscribe(a!, 15), subscribe(a!, 16), subscribe(a!, 17), subscribe(b!, 18)];
      for (const subscription of running) expect((await subscription.next()).data).toBeDefined();
      expect(tickers.size).toBe(4);
      expectRefused(await subscribe(c!, 19).next(), 'LIVE_MAX_VIEWS', 4);
      // Equal views share the running computation: accepted at the cap, and still 4 computations.
      const joined = [subscribe(c!, 15), subscribe(b!, 16), subscribe(c!, 18)];
      for (const subscription of joined) expect((await subscription.next()).data).toBeDefined();
      expect(tickers.size).toBe(4);
      await expectDelivering([...running, ...joined]);
      // Over SSE too (each request its own connection), and only that operation fails.
      const payload = await firstSseEvent(server.current.baseUrl, view(20));
      expect(payload.errors[0].extensions).toMatchObject({ code: 'LIVE_VIEW_LIMIT', limit: 'LIVE_MAX_VIEWS' });
      // When the last subscriber of a view leaves, the view is gone and a new one fits.
      await running[3]!.dispose();
      await joined[2]!.dispose();
      const deadline = Date.now() + 5_000;
      while (tickers.size > 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      const fits = subscribe(c!, 19);
      expect((await fits.next()).data).toBeDefined();
      expect(tickers.size).toBe(4);
    } finally {
      await disposeAll();
      await Promise.all([a, b, c].map((client) => client!.dispose()));
    }
  });

  it('with the live pool saturated, /health, ingest and ordinary reads still answer on their own pool', async () => {
    // The live pool has one connection: holding it stalls every live computation, as slow views would.
    const blocker = await server.current.app.context.tickers.pool.connect();
    let stalled: Collected<Live>[];
    try {
      stalled = [15, 16, 17, 18].map((minutes) => subscribe(server.current.wsUrl, minutes));
      const health = await fetch(`${server.current.baseUrl}/health`);
      expect(health.status).toBe(200);
      const events = recent(30).map(graphqlEvent);
      const ingested = await graphql(server.current.baseUrl, INGEST, { events });
      expect(ingested.errors).toBeUndefined();
      expect(ingested.data.ingestEvents.stored).toBe(30);
      const read = await graphql(
        server.current.baseUrl,
        '{ overview(window: { lastMinutes: 15 }) { ... on Overview { current { impressions } } } }',
      );
      expect(read.errors).toBeUndefined();
      expect(read.data.overview.current.impressions).toBeGreaterThan(0);
      // The views really were stalled: a first value needs no query (the minute store was loaded by the tests above),
      // but none got the ingest's update, which needs the store's refresh on the blocked pool.
      for (const subscription of stalled) expect(subscription.results.length).toBeLessThanOrEqual(1);
    } finally {
      blocker.release();
    }
    try {
      const { rows } = await clients.pool.query('SELECT count(*) AS n FROM raw_events');
      // Once the live pool frees up, each view delivers, including the events ingested meanwhile (every stored event
      // is less than 15 minutes old).
      for (const subscription of stalled) await subscription.until((data) => total(data) === Number(rows[0].n));
      await expectDelivering(stalled);
    } finally {
      await disposeAll();
    }
  });
});

describe('LIVE_MAX_SUBSCRIPTIONS: live subscriptions of the whole process', () => {
  const server = useTestServer({ config: { liveMaxSubscriptions: 2 } });

  it('refuses the next subscription on any connection, joining a running view too, until one ends', async () => {
    const [a, b] = [0, 1].map(() => wsClient(server.current.wsUrl));
    const open: Collected<Live>[] = [];
    try {
      const held = [15, 16].map((minutes) => collect<Live>(a!, OVERVIEW, view(minutes)));
      open.push(...held);
      for (const subscription of held) expect((await subscription.next()).data).toBeDefined();
      // Another socket, a view that already runs: still one subscription more than the process holds.
      const joining = collect<Live>(b!, OVERVIEW, view(15));
      open.push(joining);
      expectRefused(await joining.next(), 'LIVE_MAX_SUBSCRIPTIONS', 2);
      // Over SSE as well.
      const payload = await firstSseEvent(server.current.baseUrl, view(16));
      expect(payload.errors[0].extensions).toMatchObject({ code: 'LIVE_VIEW_LIMIT', limit: 'LIVE_MAX_SUBSCRIPTIONS' });
      // A subscription that ends gives its place back, whichever connection takes it.
      await held[0]!.dispose();
      const fits = collect<Live>(b!, OVERVIEW, view(15));
      open.push(fits);
      expect((await fits.next()).data).toBeDefined();
    } finally {
      await Promise.all(open.map((subscription) => subscription.dispose()));
      await Promise.all([a, b].map((client) => client!.dispose()));
    }
  });
});

describe('live limits in the configuration', () => {
  it('defaults, and refuses anything but a positive integer naming the variable', () => {
    const defaults = readServerConfig({});
    expect(defaults).toMatchObject({
      liveMaxViews: 500,
      liveMaxSubscriptionsPerConnection: 50,
      liveMaxSubscriptions: 10_000,
      livePoolSize: 4,
      liveMemoryHours: 3,
    });
    expect(readServerConfig({ LIVE_MAX_VIEWS: '2000', LIVE_POOL_SIZE: '2' })).toMatchObject({
      liveMaxViews: 2000,
      livePoolSize: 2,
    });
    for (const name of [
      'LIVE_MAX_VIEWS',
      'LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION',
      'LIVE_MAX_SUBSCRIPTIONS',
      'LIVE_POOL_SIZE',
      'LIVE_MEMORY_HOURS',
    ]) {
      for (const bad of ['0', '-1', '2.5', 'many', '1e400']) {
        expect(() => readServerConfig({ [name]: bad })).toThrow(`${name} must be a positive integer`);
      }
    }
  });
});
