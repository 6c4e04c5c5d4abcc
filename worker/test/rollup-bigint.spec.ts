import { useTestDatabase } from '@pmd/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeTestEvents } from '@pmd/testkit';
import { runTasks } from './testkit/jobs.ts';

const DAY = '2026-11-18';
/** Per minute row: 60 of them make one hour of 2.4e9 impressions, past 2^31 − 1 = 2,147,483,647. */
const PER_MINUTE = 40_000_000;
/** Per hourly row written directly for the day's other 23 hours. */
const PER_HOUR = 150_000_000;

describe('rollup counters past 2^31', () => {
  const database = useTestDatabase();
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: database.url });
    pool.on('error', () => {}); // idle clients are cut when the test database is dropped
  });
  afterAll(() => pool.end());

  it('roll a hot campaign-day up exactly, and the other campaigns of the same drain with it', async () => {
    // The hot campaign: one hour of minute rows (drained by metrics_hourly) and 23 hourly rows already rolled up.
    await pool.query(
      `INSERT INTO campaign_metrics_minute (campaign_id, channel, minute, impressions, clicks, signups, activations)
       SELECT 'camp_hot', 'google', $1::timestamptz + make_interval(mins => m), $2::bigint, $2::bigint / 10, $2::bigint / 100, $2::bigint / 1000
       FROM generate_series(0, 59) AS m`,
      [`${DAY}T23:00:00Z`, PER_MINUTE],
    );
    await pool.query(`INSERT INTO rollup_dirty_hours (campaign_id, channel, hour) VALUES ('camp_hot', 'google', $1)`, [
      `${DAY}T23:00:00Z`,
    ]);
    await pool.query(
      `INSERT INTO campaign_metrics_hourly (campaign_id, channel, hour, impressions, clicks, signups, activations)
       SELECT 'camp_hot', 'google', $1::timestamptz + make_interval(hours => h), $2::bigint, $2::bigint / 10, $2::bigint / 100, $2::bigint / 1000
       FROM generate_series(0, 22) AS h`,
      [`${DAY}T00:00:00Z`, PER_HOUR],
    );
    // An ordinary campaign whose day is drained in the same run.
    await storeTestEvents(pool, [
      {
        event_id: 'calm-1',
        ts: `${DAY}T08:00:00Z`,
        user_id: 'u',
        campaign_id: 'camp_calm',
        channel: 'meta',
        event_type: 'ad_impression',
        cost: 0,
      },
      {
        event_id: 'calm-2',
        ts: `${DAY}T08:01:00Z`,
        user_id: 'u',
        campaign_id: 'camp_calm',
        channel: 'meta',
        event_type: 'ad_click',
        cost: 0.5,
      },
    ]);

    await runTasks(database.url, ['metrics_hourly', 'metrics_daily']);

    const runs = await pool.query('SELECT task_name, error FROM task_runs ORDER BY id');
    expect(runs.rows).toEqual([
      { task_name: 'metrics_hourly', error: null },
      { task_name: 'metrics_daily', error: null },
    ]);
    const hour = 60 * PER_MINUTE;
    const day = 23 * PER_HOUR + hour;
    expect(day).toBeGreaterThan(2 ** 32);
    const hourly = await pool.query(
      `SELECT impressions, clicks, signups, activations FROM campaign_metrics_hourly
       WHERE campaign_id = 'camp_hot' AND hour = $1`,
      [`${DAY}T23:00:00Z`],
    );
    expect(hourly.rows).toEqual([
      { impressions: hour, clicks: hour / 10, signups: hour / 100, activations: hour / 1000 },
    ]);
    const daily = await pool.query(
      `SELECT campaign_id, day::text AS day, impressions, clicks, signups, activations, ctr
       FROM campaign_metrics_daily ORDER BY campaign_id`,
    );
    expect(daily.rows).toEqual([
      { campaign_id: 'camp_calm', day: DAY, impressions: 1, clicks: 1, signups: 0, activations: 0, ctr: 1 },
      {
        campaign_id: 'camp_hot',
        day: DAY,
        impressions: day,
        clicks: day / 10,
        signups: day / 100,
        activations: day / 1000,
        ctr: 0.1,
      },
    ]);
    // Ingest keeps adding to a minute row that is already past 2^31.
    await storeTestEvents(pool, [
      {
        event_id: 'hot-1',
        ts: `${DAY}T23:00:30Z`,
        user_id: 'u',
        campaign_id: 'camp_hot',
        channel: 'google',
        event_type: 'ad_impression',
        cost: 0,
      },
    ]);
    await pool.query(
      `UPDATE campaign_metrics_minute SET impressions = impressions + $1 WHERE campaign_id = 'camp_hot' AND minute = $2`,
      [2 ** 31, `${DAY}T23:00:00Z`],
    );
    await storeTestEvents(pool, [
      {
        event_id: 'hot-2',
        ts: `${DAY}T23:00:40Z`,
        user_id: 'u',
        campaign_id: 'camp_hot',
        channel: 'google',
        event_type: 'ad_impression',
        cost: 0,
      },
    ]);
    const minute = await pool.query(
      `SELECT impressions FROM campaign_metrics_minute WHERE campaign_id = 'camp_hot' AND minute = $1`,
      [`${DAY}T23:00:00Z`],
    );
    expect(minute.rows).toEqual([{ impressions: PER_MINUTE + 2 + 2 ** 31 }]);
  });
});
