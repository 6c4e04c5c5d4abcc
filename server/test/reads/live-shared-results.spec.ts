import { createDatabaseClients, type DatabaseClients } from '@pmd/db';
import { randomEvents, seededRandom, storeTestEvents } from '@pmd/testkit';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../testkit/server.ts';
import { collect, type Collected } from '../testkit/subscription.ts';

const READ_TOKEN = 'shared-results-read-token';
const ADMIN_TOKEN = 'shared-results-admin-token';
const METRICS_TOKEN = 'shared-results-metrics-token';

const OVERVIEW = `subscription ($window: WindowInput!) {
  liveOverview(window: $window) { window { from to } current { impressions clicks signups activations spend } } }`;
/** The same selection, other text: a document of its own. */
const OVERVIEW_CLICKS = `subscription ($window: WindowInput!) { liveOverview(window: $window) { current { clicks } } }`;
const OVERVIEW_FRAGMENT = `subscription ($window: WindowInput!) { liveOverview(window: $window) { ...Totals } }
  fragment Totals on Overview { current { impressions clicks signups activations } }`;
const OVERVIEW_DIRECTIVE = `subscription ($window: WindowInput!) {
  liveOverview(window: $window) { current { impressions clicks signups activations @include(if: true) } } }`;

describe('live subscriptions with equal documents share one execution per pushed value', () => {
  const server = useTestServer({
    config: { readToken: READ_TOKEN, adminToken: ADMIN_TOKEN, metricsToken: METRICS_TOKEN },
  });
  let clients: DatabaseClients;
  const sockets: Client[] = [];
  const random = seededRandom(17);
  const recent = (count: number) =>
    randomEvents(random, count, { from: new Date(Date.now() - 5 * 60_000), to: new Date(Date.now() - 1) });

  /** A websocket of its own, presenting `token`. */
  const socket = (token: string) => {
    const client = createClient({
      url: server.current.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    sockets.push(client);
    return client;
  };

  /** pmd_live_results_total by result, read from /metrics (scope `metrics`). */
  async function liveResults(): Promise<{ executed: number; shared: number }> {
    const response = await fetch(`${server.current.baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    const sample = (result: string) =>
      Number(new RegExp(`^pmd_live_results_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    return { executed: sample('executed'), shared: sample('shared') };
  }

  /** Stores a batch with its NOTIFY and waits until every subscription shows `total` events (its selection's sum). */
  async function ingestAndAwait(subscriptions: Collected<any>[], sum: (data: any) => number): Promise<any[]> {
    await storeTestEvents(clients.pool, recent(120), { notify: true });
    const { rows } = await clients.pool.query<{ n: string }>('SELECT count(*) AS n FROM raw_events');
    return Promise.all(subscriptions.map((s) => s.until((data) => sum(data) === Number(rows[0]!.n))));
  }
  const totalOf = (data: any) => {
    const c = data.liveOverview.current;
    return c.impressions + c.clicks + c.signups + c.activations;
  };

  beforeAll(async () => {
    clients = createDatabaseClients(server.current.databaseUrl);
    await storeTestEvents(clients.pool, recent(300));
    // The metric's samples exist once anything is counted: one subscription's first value.
    const warmUp = collect<any>(socket(READ_TOKEN), OVERVIEW, { window: { lastMinutes: 59 } });
    await warmUp.next();
    await warmUp.dispose();
  });

  afterAll(async () => {
    await Promise.all(sockets.map((client) => client.dispose()));
    await clients?.close();
  });

  it('two subscribers with the same document and variables: one execution per push, the same values', async () => {
    const window = { lastMinutes: 60 };
    const [a, b] = [socket(READ_TOKEN), socket(READ_TOKEN)].map((client) => collect<any>(client, OVERVIEW, { window }));
    try {
      await Promise.all([a!.next(), b!.next()]);
      const before = await liveResults();
      const [fromA, fromB] = await ingestAndAwait([a!, b!], totalOf);
      const after = await liveResults();
      expect(fromA).toEqual(fromB);
      // Every push of this view made one execution and one shared result (possibly more than one push).
      const executed = after.executed - before.executed;
      expect(executed).toBeGreaterThanOrEqual(1);
      expect(after.shared - before.shared).toBe(executed);
    } finally {
      await Promise.all([a!.dispose(), b!.dispose()]);
    }
  });

  it('other variables, another document text or other scopes: executed for each, never shared', async () => {
    const window = { lastMinutes: 45 };
    const subscriptions = [
      collect<any>(socket(READ_TOKEN), OVERVIEW, { window }),
      // The same view (same arguments), so the same pushed value, but another selection text.
      collect<any>(socket(READ_TOKEN), OVERVIEW_CLICKS, { window }),
      // Same document and variables, another token: the admin token grants more scopes.
      collect<any>(socket(ADMIN_TOKEN), OVERVIEW, { window }),
      // Other variables: another view.
      collect<any>(socket(READ_TOKEN), OVERVIEW, { window: { lastMinutes: 44 } }),
    ];
    try {
      await Promise.all(subscriptions.map((s) => s.next()));
      const before = await liveResults();
      await storeTestEvents(clients.pool, recent(120), { notify: true });
      await Promise.all(subscriptions.map((s) => s.next()));
      const after = await liveResults();
      expect(after.shared - before.shared).toBe(0);
      expect(after.executed - before.executed).toBeGreaterThanOrEqual(subscriptions.length);
    } finally {
      await Promise.all(subscriptions.map((s) => s.dispose()));
    }
  });

  it('documents with a fragment or a directive take the usual path: correct values, nothing counted', async () => {
    const window = { lastMinutes: 50 };
    const subscriptions = [OVERVIEW_FRAGMENT, OVERVIEW_FRAGMENT, OVERVIEW_DIRECTIVE, OVERVIEW_DIRECTIVE].map((query) =>
      collect<any>(socket(READ_TOKEN), query, { window }),
    );
    try {
      await Promise.all(subscriptions.map((s) => s.next()));
      const before = await liveResults();
      const values = await ingestAndAwait(subscriptions, totalOf);
      const after = await liveResults();
      expect(after).toEqual(before);
      for (const value of values) expect(value).toEqual(values[0]);
    } finally {
      await Promise.all(subscriptions.map((s) => s.dispose()));
    }
  });

  // Last: it ends the live views' pool.
  it('an unexpected failure is masked alike on the shared and the usual path', async () => {
    await server.current.app.context.tickers.pool.end();
    // A window that ends after the memory's span reads the database, which is now out of reach.
    const window = {
      from: new Date(Date.now() - 10 * 60_000).toISOString(),
      to: new Date(Date.now() + 86_400_000).toISOString(),
    };
    const shared = collect<any>(socket(READ_TOKEN), OVERVIEW, { window });
    const usual = collect<any>(socket(READ_TOKEN), OVERVIEW_DIRECTIVE, { window });
    /** The errors the subscription ended with (graphql-ws hands them to the client's `error`). */
    const failureOf = async (subscription: Collected<any>) => {
      const error = await subscription.next().then(
        () => new Error('a value instead of a failure'),
        (failure: Error) => failure,
      );
      return JSON.parse(error.message) as unknown;
    };
    try {
      const [sharedFailure, usualFailure] = await Promise.all([failureOf(shared), failureOf(usual)]);
      expect(sharedFailure).toEqual([
        { message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR', unexpected: true } },
      ]);
      expect(sharedFailure).toEqual(usualFailure);
    } finally {
      await Promise.all([shared.dispose(), usual.dispose()]);
    }
  });
});
