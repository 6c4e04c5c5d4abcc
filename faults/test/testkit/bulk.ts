import { minuteSumsSql, ROLLUP_COLUMNS } from '@pmd/domain';
import pg from 'pg';

/**
 * Loads `count` events spread over the `days` before `end` across `campaigns` campaigns straight into raw_events, with
 * their minute rows and a dirty-hour queue shaped like ingest leaves it (one row per key and batch: each hour twice),
 * so a metrics_hourly run has a large queue to drain. Set-based SQL: seconds, not minutes, for 10^5 events.
 */
export async function loadBulkHistory(
  databaseUrl: string,
  { count, days, campaigns, end }: { count: number; days: number; campaigns: number; end: Date },
): Promise<{ dirtyRows: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO raw_events (event_id, ts, user_id, campaign_id, channel, event_type, cost)
       SELECT 'bulk-' || i,
              $2::timestamptz - ((i * 7919) % ($3 * 1440)) * interval '1 minute' - (i % 60) * interval '1 second',
              'user_' || (i % 2000),
              'camp_bulk_' || (i % $4),
              (ARRAY['google', 'meta'])[1 + (i / $4) % 2],
              (ARRAY['ad_impression', 'ad_impression', 'ad_impression', 'ad_impression', 'ad_impression',
                     'ad_impression', 'ad_click', 'ad_click', 'signup', 'activation'])[1 + i % 10],
              CASE WHEN i % 10 IN (6, 7) THEN (i % 997) / 1000.0 ELSE 0 END
       FROM generate_series(1, $1) AS i`,
      [count, end, days, campaigns],
    );
    await client.query(
      `INSERT INTO campaign_metrics_minute (campaign_id, channel, minute, ${ROLLUP_COLUMNS.join(', ')})
       ${minuteSumsSql(() => 'true')}`,
    );
    const { rowCount } = await client.query(
      `INSERT INTO rollup_dirty_hours (campaign_id, channel, hour)
       SELECT campaign_id, channel, hour
       FROM (SELECT DISTINCT campaign_id, channel, date_trunc('hour', ts, 'UTC') AS hour FROM raw_events) k,
            generate_series(1, 2)`,
    );
    await client.query('ANALYZE');
    return { dirtyRows: rowCount ?? 0 };
  } finally {
    await client.end();
  }
}
