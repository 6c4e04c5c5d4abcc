import { NOTIFY_CHANNELS, type RollupsChangedPayload } from '@pmd/db';
import { useTestDatabase } from '@pmd/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainHourly } from '../src/lib/rollup.ts';
import { ROLLUP_LOCK_SQL } from '../src/lib/rollup-sql.ts';
import {
  expectedDaily,
  expectedHourly,
  randomEvents,
  rollupSnapshot,
  seededRandom,
  shuffled,
  storedDaily,
  storedHourly,
  storeTestEvents,
} from '@pmd/testkit';
import { migrateWorkerSchema, runTasks } from './testkit/jobs.ts';

const DAY_MS = 86_400_000;
const START = new Date('2026-11-17T00:00:00Z');

describe('metrics_hourly and metrics_daily', () => {
  const database = useTestDatabase();
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: database.url });
    pool.on('error', () => {}); // idle clients are cut when the test database is dropped
  });
  afterAll(() => pool.end());

  it('equal a brute-force GROUP BY over raw_events, with duplicates and late events after their hour was rolled up', async () => {
    const random = seededRandom(20261125);
    // Three days of events arriving out of order, in batches; some batches are re-sent whole (duplicates).
    const events = shuffled(randomEvents(random, 6000, { from: START, spanMs: 3 * DAY_MS, prefix: 'e' }), random);
    const batches: (typeof events)[] = [];
    for (let i = 0; i < events.length; i += 250) batches.push(events.slice(i, i + 250));
    let stored = 0;
    for (const [i, batch] of batches.entries()) {
      stored += await storeTestEvents(pool, batch);
      if (i % 3 === 2) stored += await storeTestEvents(pool, batch.slice(0, 40)); // a retried partial batch: all duplicates
      if (i % 4 === 3) await runTasks(database.url, ['metrics_hourly', 'metrics_daily']);
    }
    expect(stored).toBe(6000);
    await runTasks(database.url, ['metrics_hourly', 'metrics_daily']);
    expect(await storedHourly(pool)).toEqual(await expectedHourly(pool));
    expect(await storedDaily(pool)).toEqual(await expectedDaily(pool));

    // Late events: hours and days old, for hours and days that are already rolled up.
    const late = randomEvents(random, 500, { from: START, spanMs: DAY_MS, prefix: 'late' });
    expect(await storeTestEvents(pool, late)).toBe(500);
    const before = await storedHourly(pool);
    await runTasks(database.url, ['metrics_hourly', 'metrics_daily']);
    const after = await storedHourly(pool);
    expect(after).not.toEqual(before);
    expect(after).toEqual(await expectedHourly(pool));
    expect(await storedDaily(pool)).toEqual(await expectedDaily(pool));
    const queues = await pool.query(
      'SELECT (SELECT count(*) FROM rollup_dirty_hours)::int AS hours, (SELECT count(*) FROM rollup_dirty_days)::int AS days',
    );
    expect(queues.rows[0]).toEqual({ hours: 0, days: 0 });
  });

  it('reruns change nothing and record 0 rows changed', async () => {
    const snapshot = await rollupSnapshot(pool);
    expect(snapshot.hourly.length).toBeGreaterThan(0);
    // Even with a queue full of already-applied buckets, nothing is rewritten.
    await pool.query(`INSERT INTO rollup_dirty_hours (campaign_id, channel, hour)
                      SELECT campaign_id, channel, hour FROM campaign_metrics_hourly`);
    await runTasks(database.url, ['metrics_hourly', 'metrics_daily', 'metrics_hourly', 'metrics_daily']);
    expect(await rollupSnapshot(pool)).toEqual(snapshot);
    const runs = await pool.query('SELECT task_name, rows_changed, error FROM task_runs ORDER BY id DESC LIMIT 4');
    expect(runs.rows).toEqual([
      { task_name: 'metrics_daily', rows_changed: 0, error: null },
      { task_name: 'metrics_hourly', rows_changed: 0, error: null },
      { task_name: 'metrics_daily', rows_changed: 0, error: null },
      { task_name: 'metrics_hourly', rows_changed: 0, error: null },
    ]);
  });

  it('records the cron tick of each run in task_runs', async () => {
    await runTasks(database.url, ['metrics_hourly'], new Date('2026-11-20T12:34:00Z'));
    const { rows } = await pool.query('SELECT scheduled_at FROM task_runs ORDER BY id DESC LIMIT 1');
    expect(rows[0].scheduled_at).toEqual(new Date('2026-11-20T12:34:00Z'));
  });

  it('sends one pmd_rollups_changed notification per run that changed rows, naming the buckets', async () => {
    const listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
    const payloads: RollupsChangedPayload[] = [];
    listener.on('notification', (message) => {
      if (message.channel === NOTIFY_CHANNELS.rollupsChanged) payloads.push(JSON.parse(message.payload ?? 'null'));
    });
    await listener.query(`LISTEN ${NOTIFY_CHANNELS.rollupsChanged}`);
    try {
      await storeTestEvents(pool, [
        {
          event_id: 'n1',
          ts: '2026-11-18T05:10:00Z',
          user_id: 'u',
          campaign_id: 'camp_new',
          channel: 'google',
          event_type: 'ad_impression',
          cost: 0,
        },
        {
          event_id: 'n2',
          ts: '2026-11-19T07:59:59Z',
          user_id: 'u',
          campaign_id: 'camp_new',
          channel: 'google',
          event_type: 'ad_click',
          cost: 0.5,
        },
      ]);
      await runTasks(database.url, ['metrics_hourly', 'metrics_daily']);
      await runTasks(database.url, ['metrics_hourly', 'metrics_daily']); // nothing changed: no notification
      await expect.poll(() => payloads.length).toBe(2);
      await listener.query('SELECT 1'); // a round trip, so any late third notification would have arrived
      expect(payloads).toEqual([
        { grain: 'hour', buckets: 2, from: '2026-11-18T05:00:00Z', to: '2026-11-19T07:00:00Z' },
        { grain: 'day', buckets: 2, from: '2026-11-18', to: '2026-11-19' },
      ]);
    } finally {
      await listener.end();
    }
  });

  it('removes an hourly and daily row whose events are gone instead of leaving it stale', async () => {
    // A correction that deletes a key's minute rows (as a backfill would after raw rows were deleted).
    await pool.query(`DELETE FROM campaign_metrics_minute WHERE campaign_id = 'camp_new'`);
    await pool.query(`DELETE FROM raw_events WHERE campaign_id = 'camp_new'`);
    await pool.query(`INSERT INTO rollup_dirty_hours (campaign_id, channel, hour)
                      VALUES ('camp_new', 'google', '2026-11-18T05:00:00Z'), ('camp_new', 'google', '2026-11-19T07:00:00Z')`);
    await runTasks(database.url, ['metrics_hourly', 'metrics_daily']);
    expect(await storedHourly(pool)).toEqual(await expectedHourly(pool));
    expect(await storedDaily(pool)).toEqual(await expectedDaily(pool));
    const left = await pool.query(
      `SELECT count(*)::int AS n FROM campaign_metrics_daily WHERE campaign_id = 'camp_new'`,
    );
    expect(left.rows[0].n).toBe(0);
  });

  it('makes a second run wait for a running one, then sees every batch committed meanwhile', async () => {
    const first = await pool.connect();
    const second = await pool.connect();
    try {
      // `first` stands for a run in progress: it holds the hourly rollup lock inside its transaction.
      await first.query('BEGIN');
      await first.query(ROLLUP_LOCK_SQL.hour);
      const waiting = drainHourly(second);
      await expect
        .poll(
          async () =>
            (await pool.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`))
              .rows[0].n,
        )
        .toBe(1);
      await storeTestEvents(
        pool,
        randomEvents(seededRandom(11), 300, { from: START, spanMs: DAY_MS, prefix: 'while-waiting' }),
      );
      await first.query('COMMIT');
      const result = await waiting;
      expect(result.changed).toBeGreaterThan(0);
    } finally {
      first.release();
      second.release();
    }
    expect(await storedHourly(pool)).toEqual(await expectedHourly(pool));
  });

  it('fails a run with a bad payload and records the error', async () => {
    await migrateWorkerSchema(database.url);
    await pool.query(
      `SELECT graphile_worker.add_job('metrics_hourly', '{"_cron": {"ts": "not a time"}}'::json, max_attempts => 1)`,
    );
    await runTasks(database.url, []);
    const { rows } = await pool.query(`SELECT error FROM task_runs WHERE error IS NOT NULL`);
    expect(rows).toEqual([{ error: expect.stringMatching(/metrics_hourly: invalid payload/) }]);
  });
});
