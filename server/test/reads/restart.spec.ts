import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createLogger,
  ensureDatabase,
  migrate,
  NOTIFY_CHANNELS,
  startEmbeddedCluster,
  type EmbeddedCluster,
} from '@pmd/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { collect, primeSubscription } from '../testkit/subscription.ts';

/**
 * Its own PostgreSQL (not the shared test cluster): the test stops and starts it on the same port and data directory
 * while a websocket subscription stays open.
 */
describe('a subscription survives a PostgreSQL restart', () => {
  const log = createLogger('restart-test');
  let dataDir: string;
  let cluster: EmbeddedCluster;
  let databaseUrl: string;
  let app: App;
  let wsUrl: string;

  beforeAll(async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'pmd-restart-'));
    await chmod(root, 0o755);
    dataDir = path.join(root, 'data');
    cluster = await startEmbeddedCluster({ dataDir, persistent: true, log });
    databaseUrl = await ensureDatabase(cluster.adminUrl, 'pmd_restart');
    await migrate(databaseUrl, log);
    app = buildApp({ databaseUrl, log });
    wsUrl = `ws://127.0.0.1:${await app.start(0)}/graphql`;
  }, 120_000);

  afterAll(async () => {
    await app?.stop();
    await cluster?.stop();
    if (dataDir) await rm(path.dirname(dataDir), { recursive: true, force: true });
  });

  async function notifyAlert(alertId: number, status: string): Promise<void> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query('SELECT pg_notify($1, $2)', [
        NOTIFY_CHANNELS.alertChanged,
        JSON.stringify({ alertId, status }),
      ]);
    } finally {
      await client.end();
    }
  }

  it('keeps receiving alertChanged after the database was stopped and started again', async () => {
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    const { rows } = await admin.query(
      `INSERT INTO alerts (campaign_id, channel, metric, current_value, baseline_value, threshold_value, message)
       VALUES ('camp_restart', 'google', 'ctr_drop', 0.01, 0.04, 0.028, 'restart') RETURNING alert_id`,
    );
    await admin.end();
    const alertId: number = rows[0].alert_id;
    const subscription = collect<any>(wsUrl, 'subscription { alertChanged { kind alert { alertId status } } }');
    try {
      await primeSubscription(
        subscription,
        () => notifyAlert(alertId, 'firing'),
        (d) => d.alertChanged.kind === 'FIRED',
      );

      await cluster.stop();
      cluster = await startEmbeddedCluster({ dataDir, port: cluster.port, persistent: true, log });
      expect(new URL(cluster.adminUrl).port).toBe(new URL(databaseUrl).port);

      // The listener reconnects in the background; keep notifying until the same subscription hears one.
      await primeSubscription(
        subscription,
        () => notifyAlert(alertId, 'acknowledged').catch(() => {}),
        (d) => d.alertChanged.kind === 'ACKNOWLEDGED' && d.alertChanged.alert.alertId === alertId,
        30_000,
      );
    } finally {
      await subscription.dispose();
    }
  }, 90_000);
});
