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
    `${alias}.campaign_id = k.campaign_id AND ${alias}.channel = k.channel AND ${ts} >= k.hour AND ${ts} < k.hour + interval '1 hour'`,
);
const REPLACE = [replaceRollupSql(), ...STORED_KPIS.map((kpi) => `${kpi.column} = EXCLUDED.${kpi.column}`)].join(', ');

/**
 * A recompute of the `keys` buckets from `sums` (a LATERAL subquery over `k`, one row of counter sums or none), as the
 * worker's: a bucket with source rows is upserted, one without is deleted (an absent row reads as zero; the oracle
 * expects no row there, and an aggregate without GROUP BY would give one of zeros).
 */
function recomputeSql(table: string, bucket: string, sums: string): string {
  return `sums AS (
       SELECT k.campaign_id, k.channel, k.${bucket}, s.*
       FROM keys k CROSS JOIN LATERAL (${sums}) s
     ),
     recomputed AS (
       INSERT INTO ${table} (campaign_id, channel, ${bucket}, ${COLUMNS}, updated_at)
       SELECT s.campaign_id, s.channel, s.${bucket}, ${VALUES}, now() FROM sums s
       ON CONFLICT (campaign_id, channel, ${bucket}) DO UPDATE SET ${REPLACE}, updated_at = now()
     ),
     removed AS (
       DELETE FROM ${table} t USING keys k
       WHERE t.campaign_id = k.campaign_id AND t.channel = k.channel AND t.${bucket} = k.${bucket}
         AND NOT EXISTS (
           SELECT 1 FROM sums s
           WHERE s.campaign_id = k.campaign_id AND s.channel = k.channel AND s.${bucket} = k.${bucket}
         )
     )`;
}

/**
 * Brute-force stand-in for the worker: recomputes the hours queued in rollup_dirty_hours (before `before`) from
 * raw_events and imported spend, queues their days, drains the hour queue; then, when `days` is set, recomputes the
 * queued days from the hourly rows and drains the day queue. A bucket left with no source rows is deleted, as the
 * worker deletes it.
 */
export async function rollUp(pool: pg.Pool, options: { before?: Date; days?: boolean } = {}): Promise<void> {
  const before = options.before ?? new Date('9999-01-01T00:00:00Z');
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `WITH drained AS (
         DELETE FROM rollup_dirty_hours WHERE hour < $1 RETURNING campaign_id, channel, hour
       ), keys AS (SELECT DISTINCT campaign_id, channel, hour FROM drained),
       ${recomputeSql(
         'campaign_metrics_hourly',
         'hour',
         `SELECT ${sumRollupColumnsSql('m')} FROM (${HOUR_MINUTES}) m HAVING count(*) > 0`,
       )}
       INSERT INTO rollup_dirty_days (campaign_id, channel, day)
       SELECT DISTINCT campaign_id, channel, (hour AT TIME ZONE 'UTC')::date FROM keys`,
      [before],
    );
    if (options.days) {
      await client.query(
        `WITH drained AS (DELETE FROM rollup_dirty_days RETURNING campaign_id, channel, day),
         keys AS (SELECT DISTINCT campaign_id, channel, day FROM drained),
         ${recomputeSql(
           'campaign_metrics_daily',
           'day',
           `SELECT ${sumRollupColumnsSql('h')}
            FROM campaign_metrics_hourly h
            WHERE h.campaign_id = k.campaign_id AND h.channel = k.channel
              AND h.hour >= (k.day::timestamp AT TIME ZONE 'UTC')
              AND h.hour < (k.day::timestamp AT TIME ZONE 'UTC') + interval '1 day'
            HAVING count(*) > 0`,
         )}
         -- The data-modifying CTEs run whether or not this reads them.
         SELECT count(*) FROM keys`,
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
