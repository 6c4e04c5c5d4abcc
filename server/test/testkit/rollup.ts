import { COUNTERS, kpiSql, minuteSumsSql, replaceRollupSql, ROLLUP_COLUMNS, sumRollupColumnsSql } from '@pmd/domain';
import { STORED_KPIS } from '@pmd/testkit';
import type pg from 'pg';

// The read tests need rollup tables in every state (clean, stale, pending) without running the worker: this stand-in
// recomputes queued hours from raw_events and imported spend and queued days from hours, brute force, with the registry's columns.
const COLUMNS = [...ROLLUP_COLUMNS, ...STORED_KPIS.map((kpi) => kpi.column)].join(', ');
const VALUES = [
  ...ROLLUP_COLUMNS.map((column) => `s.${column}`),
  ...STORED_KPIS.map((kpi) => kpiSql(kpi.name, (counter) => `s.${COUNTERS[counter].column}`)),
].join(', ');
// The hour's raw events and imported spend (a campaign's spend by its source), as the minute sums count them.
const HOUR_MINUTES = minuteSumsSql(
  (alias, ts) =>
    `${alias}.campaign_id = h.campaign_id AND ${alias}.channel = h.channel AND ${ts} >= h.hour AND ${ts} < h.hour + interval '1 hour'`,
);
const REPLACE = [replaceRollupSql(), ...STORED_KPIS.map((kpi) => `${kpi.column} = EXCLUDED.${kpi.column}`)].join(', ');

/**
 * Brute-force stand-in for the worker: recomputes the hours queued in rollup_dirty_hours (before `before`) from
 * raw_events and imported spend, queues their days, drains the hour queue; then, when `days` is set, recomputes the queued days from the
 * hourly rows and drains the day queue.
 */
export async function rollUp(pool: pg.Pool, options: { before?: Date; days?: boolean } = {}): Promise<void> {
  const before = options.before ?? new Date('9999-01-01T00:00:00Z');
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `WITH drained AS (
         DELETE FROM rollup_dirty_hours WHERE hour < $1 RETURNING campaign_id, channel, hour
       ), hours AS (SELECT DISTINCT campaign_id, channel, hour FROM drained),
       recomputed AS (
         INSERT INTO campaign_metrics_hourly (campaign_id, channel, hour, ${COLUMNS}, updated_at)
         SELECT h.campaign_id, h.channel, h.hour, ${VALUES}, now()
         FROM hours h
         CROSS JOIN LATERAL (
           SELECT ${sumRollupColumnsSql('m')} FROM (${HOUR_MINUTES}) m
         ) s
         ON CONFLICT (campaign_id, channel, hour) DO UPDATE SET ${REPLACE}, updated_at = now()
       )
       INSERT INTO rollup_dirty_days (campaign_id, channel, day)
       SELECT DISTINCT campaign_id, channel, (hour AT TIME ZONE 'UTC')::date FROM hours`,
      [before],
    );
    if (options.days) {
      await client.query(
        `WITH drained AS (DELETE FROM rollup_dirty_days RETURNING campaign_id, channel, day),
         days AS (SELECT DISTINCT campaign_id, channel, day FROM drained)
         INSERT INTO campaign_metrics_daily (campaign_id, channel, day, ${COLUMNS}, updated_at)
         SELECT d.campaign_id, d.channel, d.day, ${VALUES}, now()
         FROM days d
         CROSS JOIN LATERAL (
           SELECT ${sumRollupColumnsSql('h')}
           FROM campaign_metrics_hourly h
           WHERE h.campaign_id = d.campaign_id AND h.channel = d.channel
             AND h.hour >= (d.day::timestamp AT TIME ZONE 'UTC')
             AND h.hour < (d.day::timestamp AT TIME ZONE 'UTC') + interval '1 day'
         ) s
         ON CONFLICT (campaign_id, channel, day) DO UPDATE SET ${REPLACE}, updated_at = now()`,
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}
