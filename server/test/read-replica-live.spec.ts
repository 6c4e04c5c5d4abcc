import { createPool } from '@pmd/db';
import { useTestDatabase } from '@pmd/db/testing';
import { bruteForce, expectTotals, graphqlEvent, KPI_TOTALS_FIELDS, restEvent } from '@pmd/testkit';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.ts';
import type { ServerConfig } from '../src/config.ts';
import { graphql, INGEST } from './testkit/server.ts';
import { startStandby, type Standby } from './testkit/standby.ts';
import { collect, type Collected } from './testkit/subscription.ts';

const OVERVIEW = /* GraphQL */ `
  subscription {
    liveOverview(window: { lastMinutes: 180 }) {
      window {
        from
        to
      }
      current { ${KPI_TOTALS_FIELDS} }
    }
  }
`;

interface Running {
  app: App;
  baseUrl: string;
  wsUrl: string;
}

async function start(databaseUrl: string, config: Partial<ServerConfig>): Promise<Running> {
  const app = buildApp({ databaseUrl, config });
  const port = await app.start(0);
  return { app, baseUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/graphql` };
}

const metric = async (running: Running, name: string) => {
  const text = await (await fetch(`${running.baseUrl}/metrics`)).text();
  const sample = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
  return sample === undefined ? undefined : Number(sample);
};

/**
 * Live views with READ_DATABASE_URL, against a real streaming standby of the test cluster. A notification comes from
 * the primary; the view that follows it must never push the standby's older value: with the standby's replay paused,
 * one server (a wait longer than the test) pushes nothing until the replay resumes, another (a short
 * LIVE_REPLICA_WAIT_MS) pushes the new value from the primary once its wait has run out. Every pushed value equals
 * brute force over raw_events.
 */
describe('READ_DATABASE_URL: live views are computed on the standby', () => {
  const database = useTestDatabase();
  let standby: Standby;
  let primary: pg.Pool;
  let standbyPool: pg.Pool;
  let waiting: Running;
  let fallingBack: Running;
  let ingested = 0;
  const FALLBACK_WAIT_MS = 500;

  beforeAll(async () => {
    standby = await startStandby(database.adminUrl);
    const readDatabaseUrl = standby.urlOf(new URL(database.url).pathname.slice(1));
    primary = createPool(database.url, { max: 2 });
    standbyPool = createPool(readDatabaseUrl, { max: 2 });
    waiting = await start(database.url, { readDatabaseUrl, liveReplicaWaitMs: 60_000 });
    fallingBack = await start(database.url, { readDatabaseUrl, liveReplicaWaitMs: FALLBACK_WAIT_MS });
  }, 120_000);

  afterEach(async () => {
    await standby.resumeReplay();
  });

  afterAll(async () => {
    await waiting?.app.stop();
    await fallingBack?.app.stop();
    await primary?.end();
    await standbyPool?.end();
    await standby?.stop();
  }, 60_000);

  const ingest = async (prefix: string, count: number) => {
    const result = await graphql(waiting.baseUrl, INGEST, {
      events: Array.from({ length: count }, (_, i) => graphqlEvent(restEvent(i, prefix))),
    });
    expect(result.data?.ingestEvents).toMatchObject({ __typename: 'IngestResult', stored: count });
    ingested += count;
  };
  const rawEvents = async (pool: pg.Pool) =>
    (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM raw_events')).rows[0]!.n;
  /** The pushed overview equals brute force over the primary's raw_events for the window it reports. */
  const expectExact = async (data: any) => {
    const value = data.liveOverview;
    const [expected] = await bruteForce(primary, value.window);
    expectTotals(value.current, expected, 'liveOverview current');
    return value.current.impressions + value.current.clicks + value.current.signups + value.current.activations;
  };
  const sessions = async (pool: pg.Pool, applicationName: string) =>
    (
      await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
        [applicationName],
      )
    ).rows[0]!.n;

  it('reads live views on the standby, and asks the primary only for its WAL position', async () => {
    await ingest('first', 20);
    await waitUntil(async () => (await rawEvents(standbyPool)) === ingested);
    const view = collect<any>(waiting.wsUrl, OVERVIEW);
    try {
      expect(await expectExact((await view.next(15_000)).data)).toBe(ingested);
      // Live views' sessions are on the standby (both servers' pools), none on the primary.
      expect(await sessions(standbyPool, 'pmd-live')).toBeGreaterThan(0);
      expect(await sessions(primary, 'pmd-live')).toBe(0);
      await ingest('second', 10);
      expect(await expectExact((await view.next(15_000)).data)).toBe(ingested);
      // The notification made the server read the primary's WAL position, on its small pool of its own.
      const onPrimary = await sessions(primary, 'pmd-live-primary');
      expect(onPrimary).toBeGreaterThan(0);
      expect(onPrimary).toBeLessThanOrEqual(2 * 2);
    } finally {
      await view.dispose();
    }
  }, 60_000);

  it('with replay paused, pushes a new ingest only once the standby has it, or from the primary after the wait', async () => {
    await waitUntil(async () => (await rawEvents(standbyPool)) === ingested);
    const views: Record<'waiting' | 'fallingBack', Collected<any>> = {
      waiting: collect<any>(waiting.wsUrl, OVERVIEW),
      fallingBack: collect<any>(fallingBack.wsUrl, OVERVIEW),
    };
    try {
      const before = ingested;
      for (const view of Object.values(views)) expect(await expectExact((await view.next(15_000)).data)).toBe(before);
      const fallbacksBefore = await metric(fallingBack, 'pmd_live_replica_fallbacks_total');
      const waitsBefore = await metric(waiting, 'pmd_live_replica_waits_total');

      await standby.pauseReplay();
      await ingest('while-paused', 25);
      const committedAt = Date.now();
      expect(await rawEvents(standbyPool)).toBe(before);

      // The short wait runs out: the primary serves that computation, and the value is the new one.
      const fromPrimary = await views.fallingBack.next(15_000);
      expect(await expectExact(fromPrimary.data)).toBe(ingested);
      expect(await metric(fallingBack, 'pmd_live_replica_fallbacks_total')).toBeGreaterThan(fallbacksBefore!);
      // The long wait has not: a tick (1 s) later than the fallback's push, nothing was pushed, stale or new.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(views.waiting.results).toHaveLength(1);
      expect(await metric(waiting, 'pmd_live_replica_waits_total')).toBeGreaterThan(waitsBefore!);

      const resumedAt = Date.now();
      await standby.resumeReplay();
      const fromStandby = await views.waiting.next(15_000);
      expect(await expectExact(fromStandby.data)).toBe(ingested);
      expect(await metric(waiting, 'pmd_live_replica_fallbacks_total')).toBe(0);
      console.info(
        `replay paused: LIVE_REPLICA_WAIT_MS=${FALLBACK_WAIT_MS} pushed from the primary ${fromPrimary.at - committedAt} ms ` +
          `after the ingest's response; the waiting server pushed ${fromStandby.at - resumedAt} ms after the resume`,
      );
    } finally {
      await Promise.all(Object.values(views).map((view) => view.dispose()));
    }
  }, 90_000);

  it('without READ_DATABASE_URL, live views read the primary and register no replica metrics', async () => {
    const primaryOnly = await start(database.url, {});
    const view = collect<any>(primaryOnly.wsUrl, OVERVIEW);
    try {
      expect(await expectExact((await view.next(15_000)).data)).toBe(ingested);
      expect(await sessions(primary, 'pmd-live')).toBeGreaterThan(0);
      await standby.pauseReplay();
      await ingest('primary-only', 5);
      // The standby is paused, and this server does not read it: the value follows the ingest.
      expect(await expectExact((await view.next(15_000)).data)).toBe(ingested);
      const text = await (await fetch(`${primaryOnly.baseUrl}/metrics`)).text();
      expect(text).not.toContain('pmd_live_replica_');
    } finally {
      await view.dispose();
      await primaryOnly.app.stop();
    }
  }, 60_000);
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
