import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, ensureDatabase, migrate, startEmbeddedCluster, type EmbeddedCluster } from '@pmd/db';
import { buildApp, type App } from '@pmd/server';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../../server/test/testkit/subscription.ts';
import { expectedHourly, minuteRollupMismatches, storedEventCounts, storedHourly } from '@pmd/testkit';
import { queueLikeCron, waitFor } from './testkit/jobs.ts';
import { startWorkerProcess, type ChildService } from './testkit/processes.ts';
import { fastSender, generatorEvents, sendAll } from './testkit/traffic.ts';

const OVERVIEW = `subscription { liveOverview(window: { lastMinutes: 120 }) {
  current { impressions clicks signups activations } } }`;
type Overview = { liveOverview: { current: Record<'impressions' | 'clicks' | 'signups' | 'activations', number> } };
const total = (data: Overview) => Object.values(data.liveOverview.current).reduce((sum, n) => sum + n, 0);

const EVENT = {
  event_id: 'probe-during-outage',
  ts: new Date().toISOString(),
  user_id: 'u',
  campaign_id: 'camp_probe',
  channel: 'google',
  event_type: 'ad_impression',
};
const INGEST_ONE = `mutation ($e: EventInput!) { ingestEvent(event: $e) { stored } }`;

/**
 * Its own PostgreSQL (stopped and started on the same port and data directory) under the generator's traffic, with a
 * live dashboard subscribed: while it is down, every ingest answer is a clear 503; then everything recovers by itself.
 */
describe('PostgreSQL restarts under load', () => {
  const log = createLogger('faults-pg-restart');
  let root: string;
  let cluster: EmbeddedCluster;
  let databaseUrl: string;
  let app: App;
  let baseUrl: string;
  let worker: ChildService;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'pmd-faults-pg-'));
    await chmod(root, 0o755);
    cluster = await startEmbeddedCluster({ dataDir: path.join(root, 'data'), persistent: true, log });
    databaseUrl = await ensureDatabase(cluster.adminUrl, 'pmd_faults');
    await migrate(databaseUrl, log);
    app = buildApp({ databaseUrl, log });
    baseUrl = `http://127.0.0.1:${await app.start(0)}`;
    worker = await startWorkerProcess(databaseUrl, { WORKER_SWEEP_INTERVAL_MS: '1000' });
  }, 120_000);

  afterAll(async () => {
    await worker?.kill();
    await app?.stop();
    await cluster?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** What each door answers while the database is down. */
  async function probeOutage() {
    const rest = await fetch(`${baseUrl}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(EVENT),
    });
    const graphql = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({
        query: INGEST_ONE,
        variables: {
          e: {
            eventId: 'probe-gql',
            ts: EVENT.ts,
            userId: 'u',
            campaignId: 'camp_probe',
            channel: 'google',
            eventType: 'AD_IMPRESSION',
          },
        },
      }),
    });
    // A read through Prisma (not the pg pool): its errors are shaped differently and must map the same way.
    const read = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ alert(id: "1") { alertId } }' }),
    });
    const health = await fetch(`${baseUrl}/health`);
    return {
      read: { status: read.status, code: ((await read.json()) as any).errors?.[0]?.extensions?.code },
      rest: { status: rest.status, retryAfter: rest.headers.get('retry-after'), body: await rest.json() },
      graphql: { status: graphql.status, retryAfter: graphql.headers.get('retry-after'), body: await graphql.json() },
      health: health.status,
    };
  }

  it('answers 503 while it is down, recovers by itself, keeps the dashboard live, loses and doubles nothing', async () => {
    const dashboard = collect<Overview>(`ws://${new URL(baseUrl).host}/graphql`, OVERVIEW);
    const events = generatorEvents(23, 10, 6);
    const expected = new Set(events.map((event) => event.eventId));
    const { sender, retryReasons } = fastSender(baseUrl);
    try {
      expect(total(await dashboard.until(() => true, 15_000))).toBe(0);
      // The first 60 % flow before and while the database stops; the rest is generated during the outage, so the
      // sender surely meets it however fast the machine is.
      let outageStarted!: () => void;
      const stopped = new Promise<void>((resolve) => (outageStarted = resolve));
      const split = Math.floor(events.length * 0.6);
      const sending = (async () => {
        for (const event of events.slice(0, split)) await sender.enqueue(event);
        await stopped;
        await sendAll(sender, events.slice(split));
      })();
      while (sender.stats.sent < events.length * 0.3) await new Promise((resolve) => setTimeout(resolve, 5));

      await cluster.stop();
      outageStarted();
      const outage = await probeOutage();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      cluster = await startEmbeddedCluster({
        dataDir: path.join(root, 'data'),
        port: cluster.port,
        persistent: true,
        log,
      });
      await sending;

      expect(outage.rest).toEqual({
        status: 503,
        retryAfter: expect.stringMatching(/^\d+$/),
        body: { detail: 'database unavailable, retry later' },
      });
      expect(outage.graphql.status).toBe(503);
      expect(outage.graphql.retryAfter).toMatch(/^\d+$/);
      expect(outage.graphql.body).toEqual({
        data: null,
        errors: [
          expect.objectContaining({
            message: 'database unavailable, retry later',
            extensions: { code: 'DATABASE_UNAVAILABLE' },
          }),
        ],
      });
      expect(outage.read).toEqual({ status: 503, code: 'DATABASE_UNAVAILABLE' });
      expect(outage.health).toBe(503);
      // The sender saw the outage as 503s (and cut connections), never as a 500.
      expect(retryReasons.get('HTTP 503')).toBeGreaterThan(0);
      expect([...retryReasons.keys()].filter((reason) => reason !== 'HTTP 503' && reason !== 'network error')).toEqual(
        [],
      );

      const stored = await storedEventCounts(databaseUrl);
      expect(sender.stats.rejected).toBe(0);
      expect(stored.size).toBe(expected.size);
      expect([...stored].filter(([eventId, n]) => n !== 1 || !expected.has(eventId))).toEqual([]);
      expect(await minuteRollupMismatches(databaseUrl)).toEqual([]);
      // The same websocket subscription, fed by the LISTEN connection that reconnected on its own, shows every event.
      await dashboard.until((data) => total(data) === expected.size, 30_000);
      expect((await fetch(`${baseUrl}/health`)).status).toBe(200);
      // The worker process lived through the restart too: its next run drains what ingest queued meanwhile.
      expect(worker.child.exitCode).toBeNull();
      await waitFor('the worker to hold its liveness locks again', async () =>
        worker.wrote('worker liveness locks held again') ? true : undefined,
      );
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await waitFor(
          'the hourly queue drained after the restart',
          async () => {
            await queueLikeCron(client, 'metrics_hourly');
            const { rows } = await client.query('SELECT count(*)::int AS n FROM rollup_dirty_hours');
            return rows[0].n === 0 ? true : undefined;
          },
          60_000,
          500,
        );
        expect(await storedHourly(client)).toEqual(await expectedHourly(client));
      } finally {
        await client.end();
      }
    } finally {
      await dashboard.dispose();
    }
  });
});
