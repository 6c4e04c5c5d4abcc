import { useTestDatabase } from '@pmd/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedDaily, expectedHourly, storedDaily, storedHourly } from '@pmd/testkit';
import { loadBulkHistory } from './testkit/bulk.ts';
import { queueLikeCron, waitFor } from './testkit/jobs.ts';
import { startWorkerProcess, type ChildService } from './testkit/processes.ts';

const count = async (client: pg.Pool, sql: string) => (await client.query(sql)).rows[0].n as number;

/**
 * The worker process is SIGKILLed while metrics_hourly is in the middle of draining a large queue (seen as the
 * drain statement running in pg_stat_activity). Its transaction dies with it; the restarted worker's next run must
 * produce exactly the brute-force rows, and the queue the dead worker held must not block it.
 */
describe('the worker is killed mid-rollup', () => {
  const database = useTestDatabase();
  let pool: pg.Pool;
  let worker: ChildService | undefined;
  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    pool.on('error', () => {});
  });
  afterAll(async () => {
    await worker?.kill();
    await pool?.end();
  });

  it('commits nothing from the killed run, and the next run gives the brute-force rows', async () => {
    const { dirtyRows } = await loadBulkHistory(database.url, {
      count: 30_000,
      days: 30,
      campaigns: 30,
      end: new Date(),
    });
    worker = await startWorkerProcess(database.url);
    await queueLikeCron(pool, 'metrics_hourly');
    const drainingPid = await waitFor(
      'metrics_hourly draining',
      async () => {
        const { rows } = await pool.query(
          `SELECT pid FROM pg_stat_activity
         WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()
           AND query LIKE '%DELETE FROM rollup_dirty_hours%'`,
        );
        return rows[0]?.pid as number | undefined;
      },
      60_000,
      10,
    );
    await worker.kill();
    // PostgreSQL finishes the statement, finds the client gone and rolls the transaction back.
    await waitFor('the dead run to end', async () =>
      (await count(pool, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ${drainingPid}`)) === 0
        ? true
        : undefined,
    );
    expect(await count(pool, 'SELECT count(*)::int AS n FROM rollup_dirty_hours')).toBe(dirtyRows);
    expect(await count(pool, 'SELECT count(*)::int AS n FROM campaign_metrics_hourly')).toBe(0);
    expect(await count(pool, 'SELECT count(*)::int AS n FROM rollup_dirty_days')).toBe(0);

    // A short sweep interval stands in for the default 30 s.
    worker = await startWorkerProcess(database.url, { WORKER_SWEEP_INTERVAL_MS: '1000' });
    // The next tick: same queue and job key as cron uses.
    await queueLikeCron(pool, 'metrics_hourly');
    await waitFor('the hourly queue drained', async () =>
      (await count(pool, 'SELECT count(*)::int AS n FROM rollup_dirty_hours')) === 0 ? true : undefined,
    );
    expect(await storedHourly(pool)).toEqual(await expectedHourly(pool));
    // Without the liveness sweep the dead worker's lock on the `rollups` queue would block this run for 4 hours.
    expect(worker.wrote('freed jobs and queues held by dead workers')).toBe(true);
    await queueLikeCron(pool, 'metrics_daily');
    await waitFor('the daily queue drained', async () =>
      (await count(pool, 'SELECT count(*)::int AS n FROM rollup_dirty_days')) === 0 ? true : undefined,
    );
    expect(await storedDaily(pool)).toEqual(await expectedDaily(pool));
  });
});
