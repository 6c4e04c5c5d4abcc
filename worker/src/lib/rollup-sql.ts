import {
  minuteSumsSql,
  kpiSql,
  NOTIFY_CHANNELS,
  ROLLUP_COLUMNS,
  STORED_ROLLUP_KPIS,
  sumRollupColumnsSql,
} from '@pmd/domain';

/**
 * SQL for the hourly and daily rollups. Each statement takes a `keys` CTE — the (campaign_id, channel, bucket) buckets
 * to recompute — and rewrites exactly those buckets from the grain below, as a single statement (one snapshot):
 * - buckets whose recomputed sums differ from the stored row are upserted (`updated_at = now()`); equal rows are left
 *   untouched, so a rerun changes nothing and reports 0;
 * - a bucket with no source rows left is DELETED (an absent row reads as zero everywhere, and a stale row would not);
 * - the buckets that changed are returned, so the caller can mark the grain above and notify.
 */

// The ratio columns hourly and daily rows also store, from the registry's formulas over the row's sums.
const KPI_COLUMNS = STORED_ROLLUP_KPIS.map((kpi) => kpi.column);
const KPI_VALUES = STORED_ROLLUP_KPIS.map((kpi) => kpiSql(kpi.name));

interface Grain {
  table: string;
  /** Bucket column of `table`. */
  bucket: string;
  /** Table the buckets are summed from, and its bucket column. */
  source: string;
  sourceBucket: string;
  /** SQL giving the first and the end (exclusive) source bucket of `k.<bucket>`. */
  start: string;
  end: string;
  /** ISO-8601 text of a bucket value, whatever the session's TimeZone. */
  iso: (value: string) => string;
}

const HOUR: Grain = {
  table: 'campaign_metrics_hourly',
  bucket: 'hour',
  source: 'campaign_metrics_minute',
  sourceBucket: 'minute',
  start: 'k.hour',
  end: "k.hour + interval '1 hour'",
  iso: (value) => `to_char(${value} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`,
};

const DAY: Grain = {
  table: 'campaign_metrics_daily',
  bucket: 'day',
  source: 'campaign_metrics_hourly',
  sourceBucket: 'hour',
  // UTC days: midnight UTC of the date, as timestamptz.
  start: "(k.day::timestamp AT TIME ZONE 'UTC')",
  end: "((k.day + 1)::timestamp AT TIME ZONE 'UTC')",
  iso: (value) => `${value}::text`,
};

/** The UTC day of an hour bucket, as a date. */
export const UTC_DAY_OF_HOUR = "(date_trunc('day', hour, 'UTC') AT TIME ZONE 'UTC')::date";

function recomputeSql(grain: Grain, keysCtes: string, afterChanged: string): string {
  const { table, bucket, source, sourceBucket } = grain;
  const sums = sumRollupColumnsSql('s');
  const sumColumns = ROLLUP_COLUMNS.map((c) => `agg.${c}`).join(', ');
  const insertColumns = [...ROLLUP_COLUMNS, ...KPI_COLUMNS].join(', ');
  const insertValues = [...ROLLUP_COLUMNS, ...KPI_VALUES].join(', ');
  const allColumns = [...ROLLUP_COLUMNS, ...KPI_COLUMNS];
  return `
WITH ${keysCtes},
-- One primary-key range scan of the source per bucket (LATERAL): the keys come from a queue the planner has no
-- statistics for, and a join on (campaign_id, channel) alone filtering the range afterwards reads every source row of
-- each key when the queue spans many hours (late events, catch-up after downtime).
sums AS (
  SELECT k.campaign_id, k.channel, k.${bucket}, ${sumColumns}
  FROM keys k
  CROSS JOIN LATERAL (
    SELECT count(*) AS source_rows, ${sums}
    FROM ${source} s
    WHERE s.campaign_id = k.campaign_id AND s.channel = k.channel
      AND s.${sourceBucket} >= ${grain.start} AND s.${sourceBucket} < ${grain.end}
  ) agg
  WHERE agg.source_rows > 0
),
upserted AS (
  INSERT INTO ${table} AS t (campaign_id, channel, ${bucket}, ${insertColumns}, updated_at)
  SELECT campaign_id, channel, ${bucket}, ${insertValues}, now() FROM sums
  ON CONFLICT (campaign_id, channel, ${bucket}) DO UPDATE SET
    ${allColumns.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, updated_at = now()
  WHERE (${allColumns.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${allColumns.map((c) => `EXCLUDED.${c}`).join(', ')})
  RETURNING t.campaign_id, t.channel, t.${bucket}
),
removed AS (
  DELETE FROM ${table} t USING keys k
  WHERE t.campaign_id = k.campaign_id AND t.channel = k.channel AND t.${bucket} = k.${bucket}
    AND NOT EXISTS (SELECT 1 FROM sums s WHERE s.campaign_id = k.campaign_id AND s.channel = k.channel AND s.${bucket} = k.${bucket})
  RETURNING t.campaign_id, t.channel, t.${bucket}
),
changed AS (SELECT * FROM upserted UNION ALL SELECT * FROM removed)${afterChanged}
SELECT (SELECT count(*) FROM keys)::int AS recomputed, count(*)::int AS changed,
  ${grain.iso(`min(${bucket})`)} AS "from", ${grain.iso(`max(${bucket})`)} AS "to"
FROM changed`;
}

/** Marks the UTC days of changed hours dirty, for metrics_daily. */
const MARK_DAYS = `,
marked_days AS (
  INSERT INTO rollup_dirty_days (campaign_id, channel, day)
  SELECT DISTINCT campaign_id, channel, ${UTC_DAY_OF_HOUR} FROM changed
)`;

/** Drains the dirty-hour queue (rows visible to this statement only) into distinct keys. */
const DRAIN_HOURS = `drained AS (DELETE FROM rollup_dirty_hours RETURNING campaign_id, channel, hour),
keys AS (SELECT DISTINCT campaign_id, channel, hour FROM drained)`;

const DRAIN_DAYS = `drained AS (DELETE FROM rollup_dirty_days RETURNING campaign_id, channel, day),
keys AS (SELECT DISTINCT campaign_id, channel, day FROM drained)`;

/** Every hour in [$1, $2) that has minute rows or an hourly row (so stale hourly rows are removed too). */
const HOURS_IN_RANGE = `keys AS (
  SELECT DISTINCT campaign_id, channel, date_trunc('hour', minute, 'UTC') AS hour
  FROM campaign_metrics_minute WHERE minute >= $1 AND minute < $2
  UNION
  SELECT campaign_id, channel, hour FROM campaign_metrics_hourly WHERE hour >= $1 AND hour < $2
)`;

/** Every UTC day in [$1, $2) (timestamptz bounds at midnight UTC) with hourly rows or a daily row. */
const DAYS_IN_RANGE = `keys AS (
  SELECT DISTINCT campaign_id, channel, ${UTC_DAY_OF_HOUR} AS day
  FROM campaign_metrics_hourly WHERE hour >= $1 AND hour < $2
  UNION
  SELECT campaign_id, channel, day FROM campaign_metrics_daily
  WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day < ($2::timestamptz AT TIME ZONE 'UTC')::date
)`;

/** metrics_hourly: drain rollup_dirty_hours, recompute those hours from minute rows, mark their days dirty. */
export const DRAIN_HOURLY_SQL = recomputeSql(HOUR, DRAIN_HOURS, MARK_DAYS);

/** metrics_daily: drain rollup_dirty_days, recompute those days from hourly rows. */
export const DRAIN_DAILY_SQL = recomputeSql(DAY, DRAIN_DAYS, '');

/** Backfill: recompute every hour in [$1, $2) from minute rows (days are recomputed by the backfill itself). */
export const RANGE_HOURLY_SQL = recomputeSql(HOUR, HOURS_IN_RANGE, '');

/** Backfill: recompute every UTC day in [$1, $2) from hourly rows. */
export const RANGE_DAILY_SQL = recomputeSql(DAY, DAYS_IN_RANGE, '');

/**
 * Backfill: rebuild the minute rows of [$1, $2) from raw_events (which may have been loaded without them, e.g. by
 * COPY) and imported spend. Two statements: clear the range, then aggregate it.
 */
export const RANGE_MINUTE_SQL = [
  'DELETE FROM campaign_metrics_minute WHERE minute >= $1 AND minute < $2',
  // The same counter rules as the ingest statement's minute sums (both from the registry): a counter missing here
  // would be silently zeroed by every backfill.
  `INSERT INTO campaign_metrics_minute (campaign_id, channel, minute, ${ROLLUP_COLUMNS.join(', ')})
   ${minuteSumsSql((_, ts) => `${ts} >= $1 AND ${ts} < $2`)}`,
] as const;

/**
 * Serialises rollup writers of one grain across processes (held until the transaction ends). Queue drains take it
 * exclusive; range rebuilds (backfill) take it shared, so rebuilds of different days run in parallel but never
 * interleave with a drain, plus an exclusive lock on their range so the same range is never rebuilt twice at once.
 */
export const ROLLUP_LOCK_SQL = {
  hour: "SELECT pg_advisory_xact_lock(hashtext('pmd:rollup:hour'))",
  day: "SELECT pg_advisory_xact_lock(hashtext('pmd:rollup:day'))",
} as const;

export const RANGE_LOCK_SQL = [
  "SELECT pg_advisory_xact_lock_shared(hashtext('pmd:rollup:hour'))",
  "SELECT pg_advisory_xact_lock_shared(hashtext('pmd:rollup:day'))",
  "SELECT pg_advisory_xact_lock(hashtext('pmd:rebuild:' || $1::text))",
] as const;

export const NOTIFY_SQL = `SELECT pg_notify('${NOTIFY_CHANNELS.rollupsChanged}', $1)`;
