import { readRetentionHorizons, recordRetentionHorizons } from '@pmd/db';
import { useTestDatabase } from '@pmd/db/testing';
import { DEFAULT_TIME_ZONE } from '@pmd/domain';
import { Logger, runTaskListOnce } from 'graphile-worker';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectedDaily,
  expectedHourly,
  expectedRollup,
  letRecordedHorizonsStand,
  randomEvents,
  seededRandom,
  storedDaily,
  storedHourly,
  storedRollup,
  storeTestEvents,
} from '@pmd/testkit';
import { trimMinuteRows } from '../src/lib/minute-trim.ts';
import { notifySettings, DEFAULT_NOTIFY_CONFIG } from '../src/lib/notify/settings.ts';
import { createTaskList } from '../src/tasks/index.ts';
import { migrateWorkerSchema, runTasks } from './testkit/jobs.ts';

const DAY_MS = 86_400_000;
const START = new Date('2026-11-17T00:00:00Z');
// Minute rows are kept 2 days before the tick's UTC day: the horizon is 2026-11-18T00:00Z.
const TICK = new Date('2026-11-20T12:00:00Z');
const HORIZON = new Date('2026-11-18T00:00:00Z');
const RETENTION = { minuteRowsDays: 2 };

describe('trim_minute_rows', () => {
  const database = useTestDatabase();
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: database.url });
    pool.on('error', () => {}); // idle clients are cut when the test database is dropped
  });
  afterAll(() => pool.end());

  /** Runs trim_minute_rows once at TICK, as cron would, with minute rows kept RETENTION. */
  async function runTrim() {
    await migrateWorkerSchema(database.url);
    const taskList = createTaskList({
      notify: notifySettings(DEFAULT_NOTIFY_CONFIG),
      reportingTimeZone: DEFAULT_TIME_ZONE,
      retention: RETENTION,
    });
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query('SELECT graphile_worker.add_job($1, $2::json)', [
        'trim_minute_rows',
        JSON.stringify({ _cron: { ts: TICK.toISOString() } }),
      ]);
      await runTaskListOnce({ logger: new Logger(() => () => {}) }, taskList, client as unknown as pg.PoolClient);
    } finally {
      await client.end();
    }
  }

  const minuteRowsBefore = async (instant: Date) =>
    (
      await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM campaign_metrics_minute WHERE minute < $1', [
        instant,
      ])
    ).rows[0]!.n;

  it('deletes rolled-up minute rows before the horizon, keeps dirty hours, and the rollups stay exact', async () => {
    const random = seededRandom(20261202);
    expect(
      await storeTestEvents(pool, randomEvents(random, 4000, { from: START, spanMs: 3 * DAY_MS, prefix: 'e' })),
    ).toBe(4000);
    await runTasks(database.url, ['metrics_hourly', 'metrics_daily']);
    const keptMinutes = (await expectedRollup(pool, 'minute')).filter(
      (row) => String(row.minute) >= '2026-11-18 00:00',
    );

    // A late event for an old hour, not rolled up yet: its hour's minute rows must survive the trim.
    const late = {
      ...randomEvents(random, 1, { from: new Date('2026-11-17T05:00:00Z'), spanMs: 60_000, prefix: 'late' })[0]!,
    };
    expect(await storeTestEvents(pool, [late])).toBe(1);
    const dirtyHourMinutes = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM campaign_metrics_minute
       WHERE campaign_id = $1 AND channel = $2 AND minute >= '2026-11-17T05:00Z' AND minute < '2026-11-17T06:00Z'`,
      [late.campaign_id, late.channel],
    );
    expect(dirtyHourMinutes.rows[0]!.n).toBeGreaterThan(1);

    // The first run records the horizon, for servers whose own settings keep more (services/retention-in-force.ts),
    // and trims nothing while they have not read it yet; a run once it has stood trims.
    expect(await readRetentionHorizons(pool)).toEqual({ rawEvents: null, minuteRows: null });
    const before = await minuteRowsBefore(HORIZON);
    await runTrim();
    expect(await readRetentionHorizons(pool)).toEqual({ rawEvents: null, minuteRows: HORIZON });
    expect(await minuteRowsBefore(HORIZON)).toBe(before);
    await letRecordedHorizonsStand(pool);
    await runTrim();
    expect(await minuteRowsBefore(HORIZON)).toBe(dirtyHourMinutes.rows[0]!.n);
    // Minute rows from the horizon on are untouched.
    expect((await storedRollup(pool, 'minute')).filter((row) => String(row.minute) >= '2026-11-18 00:00')).toEqual(
      keptMinutes,
    );
    const runs = await pool.query(
      "SELECT rows_changed, error FROM task_runs WHERE task_name = 'trim_minute_rows' ORDER BY id",
    );
    expect(runs.rows).toEqual([
      { rows_changed: 0, error: null },
      { rows_changed: expect.any(Number), error: null },
    ]);
    expect(runs.rows[1].rows_changed).toBeGreaterThan(1000);

    // The dirty hour is recomputed from its kept minute rows: hourly and daily rows still equal raw_events.
    await runTasks(database.url, ['metrics_hourly', 'metrics_daily']);
    expect(await storedHourly(pool)).toEqual(await expectedHourly(pool));
    expect(await storedDaily(pool)).toEqual(await expectedDaily(pool));

    // Once that hour is rolled up, the next run trims it too.
    await runTrim();
    expect(await minuteRowsBefore(HORIZON)).toBe(0);
    expect(await storedHourly(pool)).toEqual(await expectedHourly(pool));
  });

  it('works in bounded chunks and stops at the chunk cap, leaving the rest for the next run', async () => {
    const random = seededRandom(7);
    await storeTestEvents(
      pool,
      randomEvents(random, 300, { from: new Date('2026-11-16T00:00:00Z'), spanMs: DAY_MS, prefix: 'c' }),
    );
    await runTasks(database.url, ['metrics_hourly', 'metrics_daily']);
    const old = await minuteRowsBefore(HORIZON);
    expect(old).toBeGreaterThan(30);
    const client = await pool.connect();
    try {
      await recordRetentionHorizons(client, { minuteRows: HORIZON });
      await letRecordedHorizonsStand(pool);
      expect(await trimMinuteRows(client, HORIZON, 10, 2)).toEqual({ deleted: 20, finished: false });
      expect(await minuteRowsBefore(HORIZON)).toBe(old - 20);
      expect(await trimMinuteRows(client, HORIZON, 10, 1_000)).toEqual({ deleted: old - 20, finished: true });
    } finally {
      client.release();
    }
    expect(await storedHourly(pool)).toEqual(await expectedHourly(pool));
  });
});
