import {
  COUNTER_NAMES,
  COUNTERS,
  counterPerEventSql,
  ROLLUP_COLUMNS,
  type CounterName,
  type KpiSums,
} from '@pmd/domain';
import type pg from 'pg';
import { planWindow, type RollupGrain } from './window-plan.ts';
import type { TimeWindow } from './windows.ts';

export interface KpiFilter {
  campaignIds?: readonly string[] | null;
  channels?: readonly string[] | null;
}

export interface KpiGrouping {
  campaign?: boolean;
  channel?: boolean;
  /** Time bucket (UTC): also the coarsest rollup the read may use. */
  bucket?: RollupGrain;
}

export interface KpiSumsRow extends KpiSums {
  campaignId?: string;
  channel?: string;
  bucket?: Date;
}

// Each source yields (campaign_id, channel, at, every counter's rollup column in registry order); `at` is the bucket
// start or the event time. Raw events contribute 1/0 per count and their cost per cost sum, rollup rows their columns.
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
 * Parameters: $1 campaigns, $2 channels, $3..$6 raw edges, $7 minuteFrom, $8 minuteTo, $9 hourFrom, $10 hourTo,
 * $11 dayFrom, $12 dayTo (timestamptz; days are UTC midnights).
 */
const WINDOW_SOURCES_SQL = `
WITH dirty_hours AS (
  SELECT DISTINCT d.campaign_id, d.channel, d.hour
  FROM rollup_dirty_hours d
  WHERE d.hour >= $9 AND d.hour < $10 AND ${FILTER('d')}
), dirty_days AS (
  SELECT d.campaign_id, d.channel, d.day
  FROM rollup_dirty_days d
  WHERE d.day >= ($11 AT TIME ZONE 'UTC')::date AND d.day < ($12 AT TIME ZONE 'UTC')::date AND ${FILTER('d')}
  UNION
  SELECT h.campaign_id, h.channel, (h.hour AT TIME ZONE 'UTC')::date
  FROM dirty_hours h
  WHERE h.hour >= $11 AND h.hour < $12
), sources AS (
  SELECT e.campaign_id, e.channel, e.ts AS at, ${RAW_EVENT_COUNTERS}
  FROM raw_events e
  WHERE ((e.ts >= $3 AND e.ts < $4) OR (e.ts >= $5 AND e.ts < $6)) AND ${FILTER('e')}
  UNION ALL
  SELECT m.campaign_id, m.channel, m.minute, ${COUNTER_COLUMNS}
  FROM campaign_metrics_minute m
  WHERE ((m.minute >= $7 AND m.minute < $9) OR (m.minute >= $10 AND m.minute < $8)) AND ${FILTER('m')}
  UNION ALL
  SELECT m.campaign_id, m.channel, m.minute, ${COUNTER_COLUMNS}
  FROM dirty_hours h
  JOIN campaign_metrics_minute m
    ON m.campaign_id = h.campaign_id AND m.channel = h.channel
   AND m.minute >= h.hour AND m.minute < h.hour + interval '1 hour'
  UNION ALL
  SELECT r.campaign_id, r.channel, r.hour, ${COUNTER_COLUMNS}
  FROM campaign_metrics_hourly r
  WHERE ((r.hour >= $9 AND r.hour < $11) OR (r.hour >= $12 AND r.hour < $10)) AND ${FILTER('r')}
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
  WHERE r.day >= ($11 AT TIME ZONE 'UTC')::date AND r.day < ($12 AT TIME ZONE 'UTC')::date AND ${FILTER('r')}
    AND NOT EXISTS (SELECT 1 FROM dirty_days d
                    WHERE d.campaign_id = r.campaign_id AND d.channel = r.channel AND d.day = r.day)
)`;

function groupColumns(grouping: KpiGrouping): string[] {
  const columns: string[] = [];
  if (grouping.campaign) columns.push('campaign_id');
  if (grouping.channel) columns.push('channel');
  if (grouping.bucket) columns.push(`date_trunc('${grouping.bucket}', at, 'UTC') AS bucket`);
  return columns;
}

/** Exact sums over [from, to) per group (one row per group that had data; no groups = one overall row). */
export async function kpiWindowSums(
  pool: pg.Pool,
  window: TimeWindow,
  filter: KpiFilter = {},
  grouping: KpiGrouping = {},
): Promise<KpiSumsRow[]> {
  const plan = planWindow(window, grouping.bucket ?? 'day');
  const [edgeA, edgeB] = [
    plan.raw[0] ?? { from: window.to, to: window.to },
    plan.raw[1] ?? { from: window.to, to: window.to },
  ];
  const columns = groupColumns(grouping);
  const groupBy = columns.length ? `GROUP BY ${columns.map((_, index) => index + 1).join(', ')}` : '';
  const sql = `${WINDOW_SOURCES_SQL}
SELECT ${columns.length ? `${columns.join(', ')}, ` : ''}
       ${SUMS}
FROM sources ${groupBy}`;
  // A named (prepared) statement per grouping: planning this query costs about as much as running it.
  const { rows } = await pool.query({
    name: `kpi-window:${columns.join(',')}`,
    text: sql,
    values: [
      filter.campaignIds?.length ? filter.campaignIds : null,
      filter.channels?.length ? filter.channels : null,
      edgeA.from,
      edgeA.to,
      edgeB.from,
      edgeB.to,
      plan.minuteFrom,
      plan.minuteTo,
      plan.hourFrom,
      plan.hourTo,
      plan.dayFrom,
      plan.dayTo,
    ],
  });
  return rows.map((row) => ({
    ...(grouping.campaign ? { campaignId: row.campaign_id as string } : {}),
    ...(grouping.channel ? { channel: row.channel as string } : {}),
    ...(grouping.bucket ? { bucket: row.bucket as Date } : {}),
    ...sumsOf(row),
  }));
}

/** Overall sums of a window (zeros when it had no data). */
export async function kpiWindowTotals(pool: pg.Pool, window: TimeWindow, filter: KpiFilter = {}): Promise<KpiSums> {
  const [row] = await kpiWindowSums(pool, window, filter);
  return sumsOf(row!);
}

/** The counters of a row whose sums are aliased by registry name (and nothing else). */
function sumsOf(row: { readonly [K in CounterName]?: unknown }): KpiSums {
  return Object.fromEntries(COUNTER_NAMES.map((name) => [name, row[name] as number])) as KpiSums;
}
