import { NOTIFY_CHANNELS } from '@pmd/db';
import { useTestDatabase } from '@pmd/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, primeSubscription, type Collected } from '../../server/test/testkit/subscription.ts';
import { expectedDaily, expectedHourly, storedDaily, storedEventCounts, storedHourly } from '@pmd/testkit';
import { queueLikeCron, waitFor } from './testkit/jobs.ts';
import { startServerProcess, startWorkerProcess, type ChildService, type ServerProcess } from './testkit/processes.ts';
import { fastSender, generatorEvents, sendAll } from './testkit/traffic.ts';

const ALERT_CHANGED = 'subscription { alertChanged { kind alert { alertId } } }';
type AlertChanged = { alertChanged: { kind: string; alert: { alertId: number } } };
const ACKNOWLEDGE = 'mutation ($id: ID!) { acknowledgeAlert(id: $id) { __typename } }';
const ALERTS = 12;

/**
 * The production shape past one machine, on one database: two API replicas (each with its own LISTEN connection)
 * behind no balancer (the test spreads the load itself) and two worker processes, while the generator sends through
 * both replicas and alerts are acknowledged through either.
 */
describe('two server replicas and two workers on one database', () => {
  const database = useTestDatabase();
  let pool: pg.Pool;
  const processes: ChildService[] = [];
  const subscribers: Collected<AlertChanged>[] = [];
  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: database.url, max: 3 });
    pool.on('error', () => {});
  });
  afterAll(async () => {
    await Promise.all(subscribers.map((subscriber) => subscriber.dispose()));
    await Promise.all(processes.map((child) => child.kill()));
    await pool?.end();
  });

  it('keeps rollups exact (no duplicated work) and tells every subscriber on either replica every alert change', async () => {
    const replicas: ServerProcess[] = await Promise.all([
      startServerProcess(database.url),
      startServerProcess(database.url),
    ]);
    processes.push(...replicas);
    processes.push(...(await Promise.all([startWorkerProcess(database.url), startWorkerProcess(database.url)])));

    const { rows: alerts } = await pool.query<{ alert_id: number }>(
      `INSERT INTO alerts (campaign_id, channel, metric, current_value, baseline_value, threshold_value, message)
       SELECT 'camp_replica_' || i, 'google', 'ctr_drop', 0.01, 0.04, 0.028, 'replicas test'
       FROM generate_series(0, $1) AS i RETURNING alert_id`,
      [ALERTS],
    );
    const [probe, ...toAcknowledge] = alerts.map((row) => row.alert_id);
    for (const replica of replicas) {
      for (let i = 0; i < 3; i++) {
        const subscriber = collect<AlertChanged>(replica.wsUrl, ALERT_CHANGED);
        subscribers.push(subscriber);
        await primeSubscription(
          subscriber,
          () =>
            pool.query('SELECT pg_notify($1, $2)', [
              NOTIFY_CHANNELS.alertChanged,
              JSON.stringify({ alertId: probe, status: 'firing' }),
            ]),
          (data) => data.alertChanged.alert.alertId === probe,
        );
      }
    }

    const events = generatorEvents(31, 10, 6);
    const senders = replicas.map((replica) => fastSender(replica.baseUrl).sender);
    let sending = true;
    const traffic = Promise.all(
      senders.map((sender, i) =>
        sendAll(
          sender,
          events.filter((_, n) => n % 2 === i),
        ),
      ),
    ).finally(() => {
      sending = false;
    });
    // Rollup runs while batches commit: cron-shaped jobs, plus unqueued ones so both workers run the same task at once.
    const rollups = (async () => {
      while (sending) {
        await queueLikeCron(pool, 'metrics_hourly');
        await queueLikeCron(pool, 'metrics_daily');
        await pool.query(
          `SELECT graphile_worker.add_job(t) FROM unnest(ARRAY['metrics_hourly', 'metrics_daily', 'metrics_hourly']) AS t`,
        );
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    })();
    for (const [i, alertId] of toAcknowledge.entries()) {
      const replica = replicas[i % 2]!;
      const response = await fetch(`${replica.baseUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: ACKNOWLEDGE, variables: { id: String(alertId) } }),
      });
      expect(await response.json()).toEqual({ data: { acknowledgeAlert: { __typename: 'Alert' } } });
    }
    await Promise.all([traffic, rollups]);

    // Drain what the last batches left: hourly first (it marks days), then daily.
    for (const [task, queue] of [
      ['metrics_hourly', 'rollup_dirty_hours'],
      ['metrics_daily', 'rollup_dirty_days'],
    ] as const) {
      await waitFor(
        `${queue} drained`,
        async () => {
          await queueLikeCron(pool, task);
          const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${queue}`);
          return rows[0].n === 0 ? true : undefined;
        },
        60_000,
        500,
      );
    }
    const stored = await storedEventCounts(database.url);
    expect(stored.size).toBe(new Set(events.map((event) => event.eventId)).size);
    expect([...stored.values()].every((n) => n === 1)).toBe(true);
    expect(await storedHourly(pool)).toEqual(await expectedHourly(pool));
    expect(await storedDaily(pool)).toEqual(await expectedDaily(pool));
    const runs = await pool.query(
      `SELECT count(*)::int AS n, count(error)::int AS failed FROM task_runs WHERE task_name LIKE 'metrics_%'`,
    );
    expect(runs.rows[0].n).toBeGreaterThan(10);
    expect(runs.rows[0].failed).toBe(0);

    for (const subscriber of subscribers) {
      const acknowledged = new Set<number>();
      await subscriber.until((data) => {
        if (data.alertChanged.kind === 'ACKNOWLEDGED') acknowledged.add(data.alertChanged.alert.alertId);
        return acknowledged.size === toAcknowledge.length;
      }, 15_000);
      expect([...acknowledged].sort()).toEqual([...toAcknowledge].sort());
    }
  });
});
