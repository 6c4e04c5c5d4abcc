import { createHash } from 'node:crypto';
import {
  bucketBoundaries,
  COUNTER_NAMES,
  DEFAULT_TIME_ZONE,
  COUNTERS,
  CAMPAIGN_ALIAS,
  counterPerEventSql,
  importedSpendCountersSql,
  ROLLUP_COLUMNS,
  type CounterName,
  type KpiSums,
} from '@pmd/domain';
import type pg from 'pg';
import { planCoverage, planWindow, type InstantRange, type RollupGrain, type WindowCoverage } from './window-plan.ts';
import type { TimeWindow } from './windows.ts';

export interface KpiFilter {
  campaignIds?: readonly string[] | null;
  channels?: readonly string[] | null;
}

export interface KpiGrouping {
  campaign?: boolean;
  channel?: boolean;
  /** Time bucket (hours and days of the window's zone): also the coarsest rollup the read may use. */
  bucket?: RollupGrain;
}

export interface KpiSumsRow extends KpiSums {
  campaignId?: string;
  channel?: string;
  bucket?: Date;
}

// Each source yields (campaign_id, channel, at, every counter's rollup column in registry order); `at` is the bucket
// start or the event time. Raw events contribute 1/0 per count and their cost or revenue per sum (spend by their
// campaign's spend source), imported spend rows their spend, rollup rows their columns.
const COUNTER_COLUMNS = ROLLUP_COLUMNS.join(', ');
const RAW_EVENT_COUNTERS = COUNTER_NAMES.map(
  (name) => `${counterPerEventSql(name, 'e')} AS ${COUNTERS[name].column}`,
).join(', ');
const SUMS = COUNTER_NAMES.map((name) => `COALESCE(sum(${COUNTERS[name].column}), 0)::float8 AS "${name}"`).join(
  ',\n       ',
);
const FILTER = (alias: string) =>
  `($1::text[] IS NULL OR ${alias}.campaign_id = ANY($1)) AND ($2::text[] IS NULL OR ${alias}.channel = ANY($2))`;

/**
 * THE exact window sum. Whole UTC days come from clean daily rows, whole hours from clean hourly rows, the rest from
 * minute rows (exact the moment ingest commits) and raw events only for the sub-minute edges. A day is clean for a
 * key when neither rollup_dirty_days nor rollup_dirty_hours has a row for it; an hour when rollup_dirty_hours has
 * none. Because the worker drains a queue row and rewrites its rollup in one transaction, one snapshot always sees
 * either (queue row + old rollup → finer rows are used) or (no queue row + new rollup): never a gap or a double count.
 *
 * Parameters: $1 campaigns, $2 channels, then [from[], to[]) range arrays of the plan: $3/$4 raw events, $5/$6
 * minute rows, $7/$8 hour rows, $9/$10 day rows (UTC midnights); $11/$12 the raw ranges' hull. Ranges are disjoint and
 * cover the window once.
 */
const WINDOW_SOURCES_SQL = `
WITH hour_ranges AS (
  SELECT f, t FROM unnest($7::timestamptz[], $8::timestamptz[]) AS r(f, t)
), day_ranges AS (
  SELECT f, t, (f AT TIME ZONE 'UTC')::date AS first_day, (t AT TIME ZONE 'UTC')::date AS end_day
  FROM unnest($9::timestamptz[], $10::timestamptz[]) AS r(f, t)
), dirty_hours AS (
  SELECT DISTINCT d.campaign_id, d.channel, d.hour
  FROM rollup_dirty_hours d
  JOIN (SELECT f, t FROM hour_ranges UNION ALL SELECT f, t FROM day_ranges) r ON d.hour >= r.f AND d.hour < r.t
  WHERE ${FILTER('d')}
), dirty_days AS (
  SELECT d.campaign_id, d.channel, d.day
  FROM rollup_dirty_days d
  JOIN day_ranges r ON d.day >= r.first_day AND d.day < r.end_day
  WHERE ${FILTER('d')}
  UNION
  SELECT h.campaign_id, h.channel, (h.hour AT TIME ZONE 'UTC')::date
  FROM dirty_hours h
  JOIN day_ranges r ON h.hour >= r.f AND h.hour < r.t
), sources AS (
  SELECT e.campaign_id, e.channel, e.ts AS at, ${RAW_EVENT_COUNTERS}
  FROM raw_events e
  JOIN unnest($3::timestamptz[], $4::timestamptz[]) AS r(f, t) ON e.ts >= r.f AND e.ts < r.t
  LEFT JOIN campaigns ${CAMPAIGN_ALIAS} ON ${CAMPAIGN_ALIAS}.campaign_id = e.campaign_id
  -- The raw ranges' hull as plain parameters: PostgreSQL prunes raw_events' day partitions on these at executor
  -- start, which it cannot do through the join (without them every edge probes every day's index).
  WHERE ${FILTER('e')} AND e.ts >= $11::timestamptz AND e.ts < $12::timestamptz
  UNION ALL
  -- Imported spend counts at its period's start: a start inside a sub-minute edge is read here, like an event.
  SELECT s.campaign_id, s.channel, s.period_start, ${importedSpendCountersSql('s')}
  FROM spend_imports s
  JOIN unnest($3::timestamptz[], $4::timestamptz[]) AS r(f, t) ON s.period_start >= r.f AND s.period_start < r.t
  JOIN campaigns ${CAMPAIGN_ALIAS} ON ${CAMPAIGN_ALIAS}.campaign_id = s.campaign_id AND ${CAMPAIGN_ALIAS}.spend_source = 'imports'
  WHERE ${FILTER('s')}
  UNION ALL
  SELECT m.campaign_id, m.channel, m.minute, ${COUNTER_COLUMNS}
  FROM campaign_metrics_minute m
  JOIN unnest($5::timestamptz[], $6::timestamptz[]) AS r(f, t) ON m.minute >= r.f AND m.minute < r.t
  WHERE ${FILTER('m')}
  UNION ALL
  SELECT m.campaign_id, m.channel, m.minute, ${COUNTER_COLUMNS}
  FROM dirty_hours h
  JOIN campaign_metrics_minute m
    ON m.campaign_id = h.campaign_id AND m.channel = h.channel
   AND m.minute >= h.hour AND m.minute < h.hour + interval '1 hour'
  UNION ALL
  SELECT r.campaign_id, r.channel, r.hour, ${COUNTER_COLUMNS}
  FROM campaign_metrics_hourly r
  JOIN hour_ranges hr ON r.hour >= hr.f AND r.hour < hr.t
  WHERE ${FILTER('r')}
    AND NOT EXISTS (SELECT 1 FROM dirty_hours h
                    WHERE h.campaign_id = r.campaign_id AND h.channel = r.channel AND h.hour = r.hour)
  UNION ALL
  SELECT r.campaign_id, r.channel, r.hour, ${COUNTER_COLUMNS}
  FROM dirty_days d
  JOIN campaign_metrics_hourly r
    ON r.campaign_id = d.campaign_id AND r.channel = d.channel
   AND r.hour >= (d.day::timestamp AT TIME ZONE 'UTC') AND r.hour < (d.day::timestamp AT TIME ZONE 'UTC') + interval '1 day'
  WHERE NOT EXISTS (SELECT 1 FROM dirty_hours h
                    WHERE h.campaign_id = r.campaign_id AND h.channel = r.channel AND h.hour = r.hour)
  UNION ALL
  SELECT r.campaign_id, r.channel, (r.day::timestamp AT TIME ZONE 'UTC'), ${COUNTER_COLUMNS}
  FROM campaign_metrics_daily r
  JOIN day_ranges dr ON r.day >= dr.first_day AND r.day < dr.end_day
  WHERE ${FILTER('r')}
    AND NOT EXISTS (SELECT 1 FROM dirty_days d
                    WHERE d.campaign_id = r.campaign_id AND d.channel = r.channel AND d.day = r.day)
)`;

/** Bucket starts ($13, sorted) are the zone's local hour or day boundaries; a row's bucket is the last one ≤ its start. */
const BUCKET_FROM_BOUNDARIES = `($13::timestamptz[])[width_bucket(at, $13::timestamptz[])]`;

function groupColumns(grouping: KpiGrouping): string[] {
  const columns: string[] = [];
  if (grouping.campaign) columns.push('campaign_id');
  if (grouping.channel) columns.push('channel');
  // Minutes are the same instants in every zone (offsets are whole minutes); hours and days are the zone's own.
  if (grouping.bucket === 'minute') columns.push(`date_trunc('minute', at, 'UTC') AS bucket`);
  else if (grouping.bucket) columns.push(`${BUCKET_FROM_BOUNDARIES} AS bucket`);
  return columns;
}

/** Local hour or day boundaries enclosing a window in its zone (empty for no or minute buckets). */
export function windowBucketBoundaries(window: TimeWindow, bucket: RollupGrain | undefined): Date[] {
  if (!bucket || bucket === 'minute') return [];
  return bucketBoundaries(window.from, window.to, bucket, window.timeZone ?? DEFAULT_TIME_ZONE);
}

/**
 * Which part of `window` a read grouped by `bucket` answers (see planCoverage): kpiWindowSums sums exactly
 * `answered`, and the GraphQL results show this same coverage.
 */
export function windowCoverage(window: TimeWindow, bucket?: RollupGrain): WindowCoverage {
  return planCoverage(window, bucket ?? 'day', windowBucketBoundaries(window, bucket));
}

const rangeArrays = (ranges: readonly InstantRange[]) => [ranges.map((r) => r.from), ranges.map((r) => r.to)];

/** [earliest from, latest to) of the raw ranges; an empty range when there are none. */
function rawHull(ranges: readonly InstantRange[]): [Date, Date] {
  if (!ranges.length) return [new Date(0), new Date(0)];
  const from = Math.min(...ranges.map((r) => r.from.getTime()));
  const to = Math.max(...ranges.map((r) => r.to.getTime()));
  return [new Date(from), new Date(to)];
}

/**
 * Exact sums over [from, to) per group (one row per group that had data; no groups = one overall row). Hour and day
 * buckets are those of the window's zone: every row read lies inside one bucket (see planWindow). When retention
 * removed rows an edge needs, the sums are those of the part `windowCoverage` reports as answered.
 */
export async function kpiWindowSums(
  pool: pg.Pool,
  window: TimeWindow,
  filter: KpiFilter = {},
  grouping: KpiGrouping = {},
): Promise<KpiSumsRow[]> {
  const boundaries = windowBucketBoundaries(window, grouping.bucket);
  const { answered } = planCoverage(window, grouping.bucket ?? 'day', boundaries);
  const plan = planWindow({ ...window, ...answered }, grouping.bucket ?? 'day', boundaries);
  const columns = groupColumns(grouping);
  const groupBy = columns.length ? `GROUP BY ${columns.map((_, index) => index + 1).join(', ')}` : '';
  const sql = `${WINDOW_SOURCES_SQL}
SELECT ${columns.length ? `${columns.join(', ')}, ` : ''}
       ${SUMS}
FROM sources ${groupBy}`;
  // A named (prepared) statement per grouping: planning this query costs about as much as running it. Named by a
  // hash of its text: PostgreSQL cuts names at 63 bytes, and the grouping columns' text is longer.
  const { rows } = await pool.query({
    name: `kpi-window:${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`,
    text: sql,
    values: [
      filter.campaignIds?.length ? filter.campaignIds : null,
      filter.channels?.length ? filter.channels : null,
      ...rangeArrays(plan.raw),
      ...rangeArrays(plan.minutes),
      ...rangeArrays(plan.hours),
      ...rangeArrays(plan.days),
      ...rawHull(plan.raw),
      ...(boundaries.length ? [boundaries] : []),
    ],
  });
  return rows.map((row) => ({
    ...(grouping.campaign ? { campaignId: row.campaign_id as string } : {}),
    ...(grouping.channel ? { channel: row.channel as string } : {}),
    ...(grouping.bucket ? { bucket: row.bucket as Date } : {}),
    ...sumsOf(row),
  }));
}

/** The counters of a row whose sums are aliased by registry name (and nothing else). */
function sumsOf(row: { readonly [K in CounterName]?: unknown }): KpiSums {
  return Object.fromEntries(COUNTER_NAMES.map((name) => [name, row[name] as number])) as KpiSums;
}
