import { useTestDatabase } from '@pmd/db/testing';
import { graphqlEvent, restEvent } from '@pmd/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp, type App } from '../src/app.ts';
import { INGEST } from './testkit/server.ts';
import { startStandby, type Standby } from './testkit/standby.ts';

/** Events of the window as the API counts them: every counter of one event type adds one per event. */
const EVENT_COUNT = /* GraphQL */ `
  query EventCount {
    overview(window: { lastMinutes: 180 }) {
      ... on Overview {
        current {
          impressions
          clicks
          signups
          activations
        }
      }
    }
  }
`;

interface Response {
  data?: any;
  errors?: unknown[];
  extensions?: { dataAsOf?: string; replicationLagSeconds?: number };
}

/**
 * READ_DATABASE_URL against a real streaming standby of the test cluster. With the standby's replay paused, what the
 * API reads must stay where the standby stopped while ingest (on the primary) goes on, and each response must say so.
 */
describe('READ_DATABASE_URL: queries are served by a streaming standby', () => {
  const database = useTestDatabase();
  let standby: Standby;
  let app: App;
  let baseUrl: string;

  beforeAll(async () => {
    standby = await startStandby(database.adminUrl);
    const readDatabaseUrl = standby.urlOf(new URL(database.url).pathname.slice(1));
    app = buildApp({ databaseUrl: database.url, config: { readDatabaseUrl } });
    baseUrl = `http://127.0.0.1:${await app.start(0)}`;
  }, 120_000);

  afterAll(async () => {
    await app?.stop();
    await standby?.stop();
  }, 60_000);

  const post = async (query: string, variables?: Record<string, unknown>): Promise<Response> => {
    const response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as Response;
  };
  const ingest = async (prefix: string, count: number) => {
    const result = await post(INGEST, {
      events: Array.from({ length: count }, (_, i) => graphqlEvent(restEvent(i, prefix))),
    });
    expect(result.errors).toBeUndefined();
    // A mutation on the standby would fail (read-only transaction): these rows were stored by the primary.
    expect(result.data.ingestEvents).toMatchObject({ __typename: 'IngestResult', stored: count });
  };
  const readCount = async () => {
    const result = await post(EVENT_COUNT);
    expect(result.errors).toBeUndefined();
    const { impressions, clicks, signups, activations } = result.data.overview.current;
    return { count: impressions + clicks + signups + activations, extensions: result.extensions };
  };
  const restFunnel = async () => {
    const response = await fetch(`${baseUrl}/funnels/realtime?minutes=180`);
    expect(response.status).toBe(200);
    return (await response.json()) as unknown;
  };
  const primaryCount = async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM raw_events')).rows[0]!.n;
    } finally {
      await client.end();
    }
  };

  it('reads lag behind while replay is paused, say by how much, and catch up to the exact count', async () => {
    await ingest('before', 40);
    // Caught up: the standby's count, and no lag to speak of (other test files write to the same cluster meanwhile).
    await vi.waitFor(
      async () => {
        const read = await readCount();
        expect(read.count).toBe(40);
        expect(read.extensions?.replicationLagSeconds).toBeLessThan(2);
      },
      { timeout: 20_000, interval: 200 },
    );

    const restBeforePause = await restFunnel();
    await standby.pauseReplay();
    const pausedAt = Date.now();
    await ingest('while-paused', 25);
    expect(await primaryCount()).toBe(65);

    // The standby has received the new WAL but not replayed it: the API still reads 40, and says its data is older
    // than the ingest (the freshness reading is cached for up to a second, so wait for one that shows the lag).
    const lagging = await vi.waitFor(
      async () => {
        const read = await readCount();
        expect(read.extensions?.replicationLagSeconds).toBeGreaterThan(0);
        return read;
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(lagging.count).toBe(40);
    // The REST read shims read the standby too.
    expect(await restFunnel()).toEqual(restBeforePause);
    expect(Date.parse(lagging.extensions!.dataAsOf!)).toBeLessThanOrEqual(pausedAt);
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    const gauge = Number(/^pmd_read_replica_lag_seconds (\S+)$/m.exec(metrics)?.[1]);
    expect(gauge).toBeGreaterThan(0);
    console.info(
      `standby paused: API read ${lagging.count} of ${await primaryCount()} events, dataAsOf ${lagging.extensions!.dataAsOf} ` +
        `(${pausedAt - Date.parse(lagging.extensions!.dataAsOf!)} ms before the pause), replicationLagSeconds ` +
        `${lagging.extensions!.replicationLagSeconds}, pmd_read_replica_lag_seconds ${gauge}`,
    );

    const resumedAt = Date.now();
    await standby.resumeReplay();
    const caughtUp = await vi.waitFor(
      async () => {
        const read = await readCount();
        expect(read.count).toBe(65);
        // Once a reading newer than the resume arrives (they are cached for up to a second), it is past the pause.
        expect(read.extensions?.replicationLagSeconds).toBeLessThan(2);
        expect(Date.parse(read.extensions!.dataAsOf!)).toBeGreaterThanOrEqual(pausedAt);
        return read;
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(await restFunnel()).not.toEqual(restBeforePause);
    console.info(
      `standby resumed: API read ${caughtUp.count} events, replicationLagSeconds ${caughtUp.extensions!.replicationLagSeconds}, ` +
        `${Date.now() - resumedAt} ms after the resume`,
    );
  }, 90_000);

  it('without READ_DATABASE_URL, queries read the primary and responses carry no freshness', async () => {
    const primaryOnly = buildApp({ databaseUrl: database.url });
    try {
      const response = await primaryOnly.yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: EVENT_COUNT }),
      });
      const result = (await response.json()) as Response;
      expect(result.errors).toBeUndefined();
      expect(result.data.overview.current.impressions).toBeGreaterThan(0);
      expect(result.extensions).toBeUndefined();
      const metrics = await (await primaryOnly.yoga.fetch('http://localhost/metrics')).text();
      expect(metrics).toContain('pmd_active_subscriptions');
      expect(metrics).not.toContain('pmd_read_replica_lag_seconds');
    } finally {
      await primaryOnly.stop();
    }
  });
});
