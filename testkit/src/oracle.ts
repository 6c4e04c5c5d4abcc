import {
  COUNTER_NAMES,
  COUNTERS,
  kpisFromSums,
  STORED_ROLLUP_KPIS,
  ROLLUP_COLUMNS,
  type KpiName,
  type KpiSums,
} from '@pmd/domain';
import type pg from 'pg';
import { withClient } from './store.ts';

/**
 * The brute-force oracle: every number straight from raw_events (and, for spend, spend_imports) with the rule the
 * schema states, written here on its own: LEDGER_SQL below. Every counter the registry has is aggregated by its kind
 * (`ledgerCountersSql`), so a new counter is covered by construction. Nothing here reads the product's rollup or read
 * SQL; tests compare what the product stored or answered with these.
 */

type Db = pg.Pool | pg.ClientBase;

/**
 * Every event and every imported spend row as one ledger (campaign_id, channel, ts, event_type, cost, revenue,
 * spend): an event's spend is its cost unless its campaign's spend comes from imports; an imported row is spend only,
 * at its period's start, and counts only for a campaign whose spend comes from imports.
 */
const LEDGER_SQL = `(
  SELECT e.campaign_id, e.channel, e.ts, e.event_type, e.cost, e.revenue,
         CASE WHEN c.spend_source = 'imports' THEN 0 ELSE e.cost END AS spend
  FROM raw_events e LEFT JOIN campaigns c ON c.campaign_id = e.campaign_id
  UNION ALL
  SELECT s.campaign_id, s.channel, s.period_start, NULL, 0, 0, s.spend
  FROM spend_imports s JOIN campaigns c ON c.campaign_id = s.campaign_id
  WHERE c.spend_source = 'imports'
) ledger`;

/** `<aggregate> AS <column>, …` of every registry counter over the ledger, by the counter's kind. */
function ledgerCountersSql(): string {
  return COUNTER_NAMES.map((name) => {
    const { column, aggregation, eventType } = COUNTERS[name];
    const filter = eventType ? ` FILTER (WHERE event_type = '${eventType}')` : '';
    const value =
      aggregation === 'count'
        ? `count(*)${filter}::bigint`
        : `coalesce(sum(${aggregation === 'spend' ? 'spend' : aggregation})${filter}, 0)`;
    return `${value} AS ${column}`;
  }).join(', ');
}

export type Grain = 'minute' | 'hour' | 'day';

/** The rollup table of each grain and its bucket column. */
export const ROLLUP_TABLES = {
  minute: { table: 'campaign_metrics_minute', bucket: 'minute' },
  hour: { table: 'campaign_metrics_hourly', bucket: 'hour' },
  day: { table: 'campaign_metrics_daily', bucket: 'day' },
} as const satisfies Record<Grain, { table: string; bucket: string }>;

/** A raw event's bucket, typed as the rollup table's bucket column (UTC). */
function bucketOfEventSql(grain: Grain): string {
  return grain === 'day' ? `(ts AT TIME ZONE 'UTC')::date` : `date_trunc('${grain}', ts, 'UTC')`;
}

/** A bucket as comparable text (`2026-11-25 13:00`, `2026-11-25`). */
function bucketTextSql(grain: Grain, column: string): string {
  return grain === 'day' ? `${column}::text` : `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')`;
}

/** Counters as exact text: counts as integers, costs with the stored 6 decimals. */
function exactCountersSql(alias: string): string {
  return COUNTER_NAMES.map((name) => {
    const { column, aggregation } = COUNTERS[name];
    return `${alias}.${column}::${aggregation === 'count' ? 'bigint' : 'numeric(20,6)'}::text AS ${column}`;
  }).join(', ');
}

/** The KPIs the hourly and daily tables store besides the counters (the domain's list, as the worker writes them). */
export const STORED_KPIS: readonly { name: KpiName; column: string }[] = STORED_ROLLUP_KPIS;

/** One rollup row as exact text per counter (and stored ratios for hours and days), keyed by column. */
export type RollupRow = Record<string, string | number>;

function withStoredKpis(grain: Grain, row: RollupRow): RollupRow {
  if (grain === 'minute') return row;
  const kpis = kpisFromSums(sumsOfRow(row));
  for (const { name, column } of STORED_KPIS) row[column] = kpis[name] as number;
  return row;
}

/** The counters of a row keyed by column (text or numbers) as `KpiSums`. */
export function sumsOfRow(row: Record<string, unknown>): KpiSums {
  return Object.fromEntries(COUNTER_NAMES.map((name) => [name, Number(row[COUNTERS[name].column])])) as KpiSums;
}

/**
 * Every (campaign, channel, bucket) row the rollup table of `grain` should hold, from raw_events: counters as exact
 * text, the stored ratios computed with `kpisFromSums`; ordered by campaign, channel, bucket.
 */
export async function expectedRollup(db: Db, grain: Grain): Promise<RollupRow[]> {
  const { bucket } = ROLLUP_TABLES[grain];
  const { rows } = await db.query<RollupRow>(`
    SELECT campaign_id, channel, ${bucketTextSql(grain, 'g.bucket')} AS ${bucket}, ${exactCountersSql('g')}
    FROM (SELECT campaign_id, channel, ${bucketOfEventSql(grain)} AS bucket, ${ledgerCountersSql()}
          FROM ${LEDGER_SQL} GROUP BY 1, 2, 3) g
    ORDER BY 1, 2, g.bucket`);
  return rows.map((row) => withStoredKpis(grain, row));
}

/** The rows the rollup table of `grain` holds, in `expectedRollup`'s shape and order. */
export async function storedRollup(db: Db, grain: Grain): Promise<RollupRow[]> {
  const { table, bucket } = ROLLUP_TABLES[grain];
  const kpis = grain === 'minute' ? '' : STORED_KPIS.map(({ column }) => `, r.${column}`).join('');
  const { rows } = await db.query<RollupRow>(`
    SELECT campaign_id, channel, ${bucketTextSql(grain, `r.${bucket}`)} AS ${bucket}, ${exactCountersSql('r')}${kpis}
    FROM ${table} r
    ORDER BY 1, 2, r.${bucket}`);
  return rows;
}

export const expectedHourly = (db: Db) => expectedRollup(db, 'hour');
export const expectedDaily = (db: Db) => expectedRollup(db, 'day');
export const storedHourly = (db: Db) => storedRollup(db, 'hour');
export const storedDaily = (db: Db) => storedRollup(db, 'day');

/**
 * Rows of the rollup table of `grain` that differ from the brute force in any counter (empty when exact): `missing`
 * rows the table lacks or holds with other values, `unexpected` rows it should not hold.
 */
export async function rollupMismatches(db: Db | string, grain: Grain = 'minute'): Promise<unknown[]> {
  if (typeof db === 'string') return withClient(db, (client) => rollupMismatches(client, grain));
  const { table, bucket } = ROLLUP_TABLES[grain];
  const columns = ROLLUP_COLUMNS.join(', ');
  const { rows } = await db.query(`
    WITH expected AS (
      SELECT campaign_id, channel, ${bucketOfEventSql(grain)} AS ${bucket}, ${ledgerCountersSql()}
      FROM ${LEDGER_SQL} GROUP BY 1, 2, 3
    ),
    actual AS (SELECT campaign_id, channel, ${bucket}, ${columns} FROM ${table})
    (SELECT 'missing' AS problem, * FROM (SELECT * FROM expected EXCEPT SELECT * FROM actual) a)
    UNION ALL
    (SELECT 'unexpected', * FROM (SELECT * FROM actual EXCEPT SELECT * FROM expected) b)`);
  return rows;
}

/** `rollupMismatches` of the minute table: what ingest keeps exact in the same statement that stores events. */
export const minuteRollupMismatches = (db: Db | string) => rollupMismatches(db, 'minute');

/** Every hourly and daily row with its row version, to prove a rerun rewrote nothing. */
export async function rollupSnapshot(db: Db) {
  const hourly = await db.query(
    'SELECT *, xmin::text AS version FROM campaign_metrics_hourly ORDER BY campaign_id, channel, hour',
  );
  const daily = await db.query(
    'SELECT *, xmin::text AS version FROM campaign_metrics_daily ORDER BY campaign_id, channel, day',
  );
  return { hourly: hourly.rows, daily: daily.rows };
}

export type GroupColumn = 'campaign_id' | 'channel';

/** Counter sums of a window, with the group columns and bucket asked for. */
export type BruteForceRow = KpiSums & { campaign_id?: string; channel?: string; bucket?: Date };

/**
 * Every UTC minute of [from − 2 days, to + 2 days) with the start of its local bucket in a zone, by brute force from
 * PostgreSQL's own tz database, minute by minute: a new hour begins at every local :00 and wherever the local hour
 * changes (so the repeated hour of a fall-back change is its own, and Lord Howe's half-hour shifts make 30- and
 * 90-minute hours); a new day wherever the local date changes. Independent of the product's Intl-based boundaries.
 */
function localMinuteBucketsSql(grain: 'hour' | 'day', params = { from: '$1', to: '$2', zone: '$5' }): string {
  const changed =
    grain === 'day'
      ? `local::date <> previous::date`
      : `date_trunc('hour', local) <> date_trunc('hour', previous) OR extract(minute FROM local) = 0`;
  return `
    SELECT minute, max(CASE WHEN previous IS NULL OR ${changed} THEN minute END) OVER (ORDER BY minute) AS bucket
    FROM (
      SELECT minute, local, lag(local) OVER (ORDER BY minute) AS previous
      FROM (SELECT minute, minute AT TIME ZONE ${params.zone}::text AS local
            FROM generate_series(date_trunc('minute', ${params.from}::timestamptz, 'UTC') - interval '2 days',
                                 ${params.to}::timestamptz + interval '2 days', interval '1 minute') AS minute) minutes
    ) steps`;
}

/** The local bucket starts (brute force, see above) of the buckets that overlap [from, to) in a zone. */
export async function localBucketStarts(
  db: Db,
  window: { from: Date | string | number; to: Date | string | number },
  grain: 'hour' | 'day',
  timeZone: string,
): Promise<Date[]> {
  const { rows } = await db.query<{ bucket: Date }>(
    `SELECT bucket FROM (${localMinuteBucketsSql(grain, { from: '$1', to: '$2', zone: '$3' })}) b
     GROUP BY bucket HAVING max(minute) + interval '1 minute' > $1 AND bucket < $2 ORDER BY bucket`,
    [new Date(window.from), new Date(window.to), timeZone],
  );
  return rows.map((row) => row.bucket);
}

/**
 * Counter sums over the ledger (raw_events and imported spend) in [from, to) (any window, not only whole buckets), filtered by campaigns and
 * channels, grouped by the given columns and/or by minute, hour or day. Sums are numbers; `kpisFromSums` (or
 * `expectTotals`) turns them into KPIs.
 */
export async function bruteForce(
  db: Db,
  window: { from: Date | string | number; to: Date | string | number },
  options: {
    campaignIds?: string[];
    channels?: string[];
    groupBy?: GroupColumn[];
    bucket?: Grain;
    /** IANA zone of hour and day buckets (default UTC). */
    timeZone?: string;
  } = {},
): Promise<BruteForceRow[]> {
  const groups: string[] = [...(options.groupBy ?? [])];
  const local = options.bucket && options.bucket !== 'minute' && options.timeZone && options.timeZone !== 'UTC';
  if (local) groups.push('b.bucket');
  else if (options.bucket) groups.push(`date_trunc('${options.bucket}', ts, 'UTC') AS bucket`);
  const { rows } = await db.query<Record<string, unknown>>(
    `${local ? `WITH buckets AS (${localMinuteBucketsSql(options.bucket as 'hour' | 'day')}) ` : ''}
     SELECT ${groups.map((g) => `${g}, `).join('')}${ledgerCountersSql()}
     FROM ${LEDGER_SQL} ${local ? `JOIN buckets b ON b.minute = date_trunc('minute', ts, 'UTC')` : ''}
     WHERE ts >= $1 AND ts < $2
       AND ($3::text[] IS NULL OR campaign_id = ANY($3)) AND ($4::text[] IS NULL OR channel = ANY($4))
     ${groups.length ? `GROUP BY ${groups.map((_, i) => i + 1).join(', ')}` : ''}`,
    [
      new Date(window.from),
      new Date(window.to),
      options.campaignIds ?? null,
      options.channels ?? null,
      ...(local ? [options.timeZone] : []),
    ],
  );
  return rows.map((row) => {
    const out: BruteForceRow = sumsOfRow(row);
    if ('campaign_id' in row) out.campaign_id = row.campaign_id as string;
    if ('channel' in row) out.channel = row.channel as string;
    if ('bucket' in row) out.bucket = row.bucket as Date;
    return out;
  });
}
