import { readFile } from 'node:fs/promises';
import { useTestDatabase } from '@pmd/db/testing';
import { parseCrontab, type Runner } from 'graphile-worker';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskList } from '../src/tasks/index.ts';
import { CRONTAB_FILE, startWorker } from '../src/worker.ts';
import {
  expectedDaily,
  expectedHourly,
  randomEvents,
  seededRandom,
  shuffled,
  storedDaily,
  storedHourly,
  storeTestEvents,
} from '@pmd/testkit';
import { migrateWorkerSchema } from './testkit/jobs.ts';

const DAY_MS = 86_400_000;

describe('crontab', () => {
  it('schedules every task, each line with an id, catch-up fill, one attempt, a queue and a job key', async () => {
    const items = parseCrontab(await readFile(CRONTAB_FILE, 'utf8'));
    // deliver_notification is queued by SQL (notification_queue_job), one job per delivery, never by cron.
    const scheduled = Object.keys(taskList).filter((name) => name !== 'deliver_notification');
    expect(items.map((i) => i.task).sort()).toEqual(scheduled.sort());
    for (const item of items) {
      expect(item.identifier).toBe(item.task);
      expect(item.options).toMatchObject({ maxAttempts: 1, jobKeyMode: 'replace', queueName: expect.any(String) });
      expect(item.options.backfillPeriod).toBeGreaterThan(0);
      expect(item.options.jobKey).toMatch(/^cron_/);
    }
  });
});

describe('real workers', () => {
  const database = useTestDatabase();
  let pool: pg.Pool;
  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: database.url });
    pool.on('error', () => {}); // idle clients are cut when the test database is dropped
    await migrateWorkerSchema(database.url);
  });
  afterAll(() => pool.end());

  const pending = async (table: string) =>
    (await pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;
  /** Waits until the workers have run every queued job and drained the dirty queue. */
  const drained = async (queue: string) =>
    expect
      .poll(async () => [await pending('graphile_worker.jobs'), await pending(queue)], {
        timeout: 20_000,
        interval: 100,
      })
      .toEqual([0, 0]);

  it('two workers running rollups at once, while batches commit, give the brute-force result', async () => {
    const workers: Runner[] = await Promise.all(
      [1, 2].map(() => startWorker({ databaseUrl: database.url, crontab: '', pollInterval: 50, concurrency: 3 })),
    );
    try {
      const random = seededRandom(99);
      const events = shuffled(
        randomEvents(random, 5000, { from: new Date('2026-11-10T00:00:00Z'), spanMs: 2 * DAY_MS, prefix: 'c' }),
        random,
      );
      // Jobs queued without a queue name, so up to six runs of a task can overlap: the rollup lock keeps them exact.
      const addJobs = (name: string, count: number) =>
        pool.query(`SELECT graphile_worker.add_job($1) FROM generate_series(1, $2)`, [name, count]);
      for (let i = 0; i < events.length; i += 200) {
        await Promise.all([
          storeTestEvents(pool, events.slice(i, i + 200)),
          addJobs('metrics_hourly', 3),
          addJobs('metrics_daily', 2),
        ]);
      }
      await storeTestEvents(pool, events.slice(0, 500)); // duplicates change nothing
      await addJobs('metrics_hourly', 2);
      await drained('rollup_dirty_hours');
      await addJobs('metrics_daily', 2);
      await drained('rollup_dirty_days');
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
    expect(await storedHourly(pool)).toEqual(await expectedHourly(pool));
    expect(await storedDaily(pool)).toEqual(await expectedDaily(pool));
    const failed = await pool.query(`SELECT count(*)::int AS n FROM task_runs WHERE error IS NOT NULL`);
    expect(failed.rows[0].n).toBe(0);
  });

  it('a worker restarted after downtime catches up the ticks it missed (crontab fill)', async () => {
    // The worker last ran 10 minutes ago; events kept arriving meanwhile. (graphile-worker has no public way to say when
    // a crontab last ran, so this one test writes its private table.)
    const lastRun = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000);
    await pool.query(
      `INSERT INTO graphile_worker._private_known_crontabs (identifier, known_since, last_execution)
       SELECT unnest($1::text[]), $2, $2`,
      [Object.keys(taskList), lastRun],
    );
    await storeTestEvents(
      pool,
      randomEvents(seededRandom(5), 1500, {
        from: new Date('2026-11-10T00:00:00Z'),
        spanMs: 3 * DAY_MS,
        prefix: 'downtime',
      }),
    );
    const startedAt = new Date();
    const worker = await startWorker({ databaseUrl: database.url, pollInterval: 50 });
    try {
      await drained('rollup_dirty_hours');
      await expect
        .poll(async () => (await pool.query(`SELECT count(*)::int AS n FROM rollup_dirty_days`)).rows[0].n, {
          timeout: 20_000,
        })
        .toBe(0);
      await expect.poll(() => storedDaily(pool), { timeout: 20_000 }).toEqual(await expectedDaily(pool));
      const runs = await pool.query(
        `SELECT DISTINCT task_name FROM task_runs WHERE scheduled_at > $1 AND scheduled_at < $2 ORDER BY task_name`,
        [lastRun, startedAt],
      );
      expect(runs.rows.map((r) => r.task_name)).toEqual([
        'anomaly_alerts',
        'metrics_daily',
        'metrics_hourly',
        'notification_sweep',
        'raw_events_partitions',
        'trim_minute_rows',
      ]);
    } finally {
      await worker.stop();
    }
    expect(await storedHourly(pool)).toEqual(await expectedHourly(pool));
  });
});
