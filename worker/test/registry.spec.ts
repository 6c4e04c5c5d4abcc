import {
  COUNTER_NAMES,
  COUNTERS,
  countersOverEventsSql,
  EVENT_TYPES,
  ROLLUP_COLUMNS,
  storeEvents,
  sumsOfRollupRow,
  type EventRow,
} from '@pmd/db';
import { useTestDatabase } from '@pmd/db/testing';
import { minuteSumsSql } from '@pmd/domain';
import { type Grain as OracleGrain, rollupMismatches } from '@pmd/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SumsRow } from '../src/lib/alerts.ts';
import { RULE_HISTORY_SQL } from '../src/lib/alerts-sql.ts';
import { drainDaily, drainHourly, rebuildRange } from '../src/lib/rollup.ts';

/**
 * Every layer that stores or sums counters carries the registry's list: ingest (minute rows), metrics_hourly,
 * metrics_daily, the backfill's range rebuild and the alert sums each give, for every registry counter, the registry's
 * own rule applied to raw_events (`countersOverEventsSql`), and every counter is non-zero, so a layer that dropped or
 * zeroed one column fails here. The oracle is derived from the registry, so a new counter is checked without editing
 * this file. One campaign's spend comes from imports (SPEND_SOURCE_RULE): its events' costs are no spend, its imported
 * rows are, through the minute rows, metrics_hourly, metrics_daily and the backfill; @pmd/testkit's ledger oracle
 * (raw events + imported spend, the rule written on its own) checks every row of every grain.
 */

const START = new Date('2026-11-10T00:00:00Z');
const END = new Date('2026-11-12T00:00:00Z');
/** The campaign whose spend comes from imports (its catalog row is made before its first event). */
const IMPORTED = 'camp_imp';
const KEYS = [
  { campaignId: 'camp_a', channel: 'google' },
  { campaignId: 'camp_a', channel: 'meta' },
  { campaignId: 'camp_b', channel: 'tiktok' },
  { campaignId: IMPORTED, channel: 'meta' },
];

/**
 * Imported spend of IMPORTED: hourly rows (one inside the alert window) and a whole day, each counted at its period's
 * start, with 6-decimal amounts.
 */
const SPEND_IMPORTS = [
  { start: '2026-11-10T05:00:00Z', end: '2026-11-10T06:00:00Z', granularity: 'hour', spend: '12.345678' },
  { start: '2026-11-10T17:00:00Z', end: '2026-11-10T18:00:00Z', granularity: 'hour', spend: '7.5' },
  { start: '2026-11-11T00:00:00Z', end: '2026-11-12T00:00:00Z', granularity: 'day', spend: '240.000001' },
  { start: '2026-11-11T09:00:00Z', end: '2026-11-11T10:00:00Z', granularity: 'hour', spend: '3.25' },
];

/**
 * Stores IMPORTED's spend_imports rows and brings its minute rows up to date the way the contract says a spend import
 * does: the one recomputation (`minuteSumsSql`) of the campaign's minute rows, its hours queued for metrics_hourly.
 */
async function importSpend(pool: pg.Pool) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (const row of SPEND_IMPORTS) {
      await client.query(
        `INSERT INTO spend_imports (campaign_id, channel, period_start, period_end, granularity, time_zone, spend)
         VALUES ($1, 'meta', $2, $3, $4, 'UTC', $5)`,
        [IMPORTED, row.start, row.end, row.granularity, row.spend],
      );
    }
    await client.query('DELETE FROM campaign_metrics_minute WHERE campaign_id = $1', [IMPORTED]);
    await client.query(
      `INSERT INTO campaign_metrics_minute (campaign_id, channel, minute, ${ROLLUP_COLUMNS.join(', ')})
       ${minuteSumsSql((alias) => `${alias}.campaign_id = $1`)}`,
      [IMPORTED],
    );
    await client.query(
      `INSERT INTO rollup_dirty_hours (campaign_id, channel, hour)
       SELECT DISTINCT campaign_id, channel, date_trunc('hour', minute, 'UTC') FROM campaign_metrics_minute
       WHERE campaign_id = $1`,
      [IMPORTED],
    );
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

/**
 * Events of every registry event type on every key, each with its own cost and revenue (6 decimals), over two UTC
 * days.
 */
function everyTypeEvents(): EventRow[] {
  const events: EventRow[] = [];
  let i = 0;
  for (const key of KEYS) {
    for (const eventType of EVENT_TYPES) {
      for (let n = 0; n < 40; n++, i++) {
        // Spread over 48 h with a stride that is prime to 60, so minutes, hours and both days all get events.
        const ts = new Date(START.getTime() + ((i * 7_919_000) % (END.getTime() - START.getTime())));
        const cost = ((i * 37) % 1000) / 997;
        const revenue = eventType === 'activation' ? ((i * 53) % 5000) / 997 : 0;
        events.push({ eventId: `r-${i}`, ts, userId: `u${i % 17}`, ...key, eventType, cost, revenue });
      }
    }
  }
  return events;
}

interface Grain {
  table: string;
  /** Bucket of a stored row and of a raw event, as comparable text. */
  stored: string;
  raw: string;
}

const GRAINS: Grain[] = [
  {
    table: 'campaign_metrics_minute',
    stored: "to_char(minute AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')",
    raw: "to_char(date_trunc('minute', ts, 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')",
  },
  {
    table: 'campaign_metrics_hourly',
    stored: "to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')",
    raw: "to_char(date_trunc('hour', ts, 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')",
  },
  { table: 'campaign_metrics_daily', stored: 'day::text', raw: "(ts AT TIME ZONE 'UTC')::date::text" },
];

/** Every registry column as exact text (counts and costs alike). */
const exact = ROLLUP_COLUMNS.map((c) => `round((${c})::numeric, 6)::text AS ${c}`).join(', ');

async function storedRows(pool: pg.Pool, grain: Grain) {
  const { rows } = await pool.query(
    `SELECT campaign_id, channel, ${grain.stored} AS bucket, ${exact} FROM ${grain.table} ORDER BY 1, 2, 3`,
  );
  return rows;
}

/** The registry's own rule over raw events, for the campaigns whose spend comes from events. */
async function bruteForce(pool: pg.Pool, grain: Grain) {
  const { rows } = await pool.query(
    `SELECT campaign_id, channel, bucket, ${exact}
     FROM (SELECT e.campaign_id, e.channel, ${grain.raw} AS bucket, ${countersOverEventsSql('e')}
           FROM raw_events e LEFT JOIN campaigns c ON c.campaign_id = e.campaign_id GROUP BY 1, 2, 3) g
     WHERE campaign_id <> $1
     ORDER BY 1, 2, 3`,
    [IMPORTED],
  );
  return rows;
}

const ORACLE_GRAINS: Record<string, OracleGrain> = {
  campaign_metrics_minute: 'minute',
  campaign_metrics_hourly: 'hour',
  campaign_metrics_daily: 'day',
};

async function expectEveryLayerEqualsTheRegistry(pool: pg.Pool) {
  for (const grain of GRAINS) {
    const stored = await storedRows(pool, grain);
    expect(
      stored.filter((row: Record<string, string>) => row.campaign_id !== IMPORTED),
      grain.table,
    ).toEqual(await bruteForce(pool, grain));
    expect(await rollupMismatches(pool, ORACLE_GRAINS[grain.table]), grain.table).toEqual([]);
    for (const column of ROLLUP_COLUMNS) {
      expect(
        stored.some((row: Record<string, string>) => Number(row[column]) > 0),
        `${grain.table}.${column}`,
      ).toBe(true);
    }
    // The imported campaign's spend is its imports (the whole day's at its midnight), never its events' costs.
    const importedSpend = stored
      .filter((row: Record<string, string>) => row.campaign_id === IMPORTED)
      .reduce((total: number, row: Record<string, string>) => total + Number(row[COUNTERS.spend.column]), 0);
    expect(importedSpend, `${grain.table} imported spend`).toBeCloseTo(12.345678 + 7.5 + 240.000001 + 3.25, 6);
  }
}

describe('the metric registry', () => {
  const database = useTestDatabase();
  let pool: pg.Pool;
  beforeAll(() => {
    // A half-hour-offset session time zone: buckets must still be UTC.
    pool = new pg.Pool({ connectionString: database.url, options: '-c TimeZone=Asia/Kolkata' });
    pool.on('error', () => {}); // idle clients are cut when the test database is dropped
  });
  afterAll(() => pool.end());

  it('is what ingest, metrics_hourly and metrics_daily store, for every counter', async () => {
    await pool.query(`INSERT INTO campaigns (campaign_id, name, spend_source) VALUES ($1, $1, 'imports')`, [IMPORTED]);
    const events = everyTypeEvents();
    for (let i = 0; i < events.length; i += 100) {
      await storeEvents(pool, events.slice(i, i + 100), { notify: false });
    }
    await storeEvents(pool, events.slice(0, 50), { notify: false }); // duplicates count once
    await importSpend(pool);
    const client = await pool.connect();
    try {
      await drainHourly(client);
      await drainDaily(client);
    } finally {
      client.release();
    }
    await expectEveryLayerEqualsTheRegistry(pool);
  });

  it("is what the backfill's range rebuild stores, for every counter (a missing one would be zeroed)", async () => {
    await pool.query('DELETE FROM campaign_metrics_minute');
    // Stale values in every column: the rebuild must rewrite each one.
    await pool.query(`UPDATE campaign_metrics_hourly SET ${ROLLUP_COLUMNS.map((c) => `${c} = ${c} + 1`).join(', ')}`);
    await pool.query(`UPDATE campaign_metrics_daily SET ${ROLLUP_COLUMNS.map((c) => `${c} = ${c} + 1`).join(', ')}`);
    const client = await pool.connect();
    try {
      const result = await rebuildRange(client, START, END);
      expect(result.minuteRows).toBeGreaterThan(0);
    } finally {
      client.release();
    }
    await expectEveryLayerEqualsTheRegistry(pool);
  });

  it('is what the alert run sums, for every counter, in the window and the baseline', async () => {
    const [baselineStart, windowStart, windowEnd] = [START, new Date('2026-11-11T06:00:00Z'), END];
    const { rows } = await pool.query<SumsRow & { minute: Date | null }>(RULE_HISTORY_SQL, [
      baselineStart,
      windowStart,
      windowStart,
      windowEnd,
      null,
      [],
    ]);
    const brute = async (from: Date, to: Date) => {
      const result = await pool.query<Record<string, string>>(
        `SELECT e.campaign_id, e.channel, ${countersOverEventsSql('e')}
         FROM raw_events e LEFT JOIN campaigns c ON c.campaign_id = e.campaign_id
         WHERE e.ts >= $1 AND e.ts < $2 GROUP BY 1, 2`,
        [from, to],
      );
      // Imported spend counts at its period's start, for campaigns whose spend comes from imports.
      const imported = await pool.query<{ campaign_id: string; channel: string; spend: string }>(
        `SELECT s.campaign_id, s.channel, sum(s.spend) AS spend
         FROM spend_imports s JOIN campaigns c ON c.campaign_id = s.campaign_id AND c.spend_source = 'imports'
         WHERE s.period_start >= $1 AND s.period_start < $2 GROUP BY 1, 2`,
        [from, to],
      );
      const sums = new Map(result.rows.map((r) => [`${r.campaign_id}/${r.channel}`, r]));
      for (const row of imported.rows) {
        const key = sums.get(`${row.campaign_id}/${row.channel}`)!;
        const column = COUNTERS.spend.column;
        key[column] = String(Number(key[column]) + Number(row.spend));
      }
      return sums;
    };
    const window = await brute(windowStart, windowEnd);
    const baseline = await brute(baselineStart, windowStart);
    // One baseline row per key, then the window's minutes, summed here.
    const windowSums = new Map<string, Record<string, number>>();
    const baselineRows = rows.filter((row) => row.minute === null);
    expect(baselineRows).toHaveLength(KEYS.length);
    for (const row of rows.filter((r) => r.minute !== null)) {
      const key = `${row.campaign_id}/${row.channel}`;
      const sums = sumsOfRollupRow(row);
      const into = windowSums.get(key) ?? Object.fromEntries(COUNTER_NAMES.map((n) => [n, 0]));
      for (const name of COUNTER_NAMES) into[name]! += sums[name];
      windowSums.set(key, into);
    }
    expect(windowSums.size).toBe(KEYS.length);
    for (const row of baselineRows) {
      const key = `${row.campaign_id}/${row.channel}`;
      for (const [sums, expected] of [
        [windowSums.get(key)!, window.get(key)],
        [sumsOfRollupRow(row), baseline.get(key)],
      ] as const) {
        expect(Object.keys(sums).sort()).toEqual([...COUNTER_NAMES].sort());
        for (const name of COUNTER_NAMES) {
          expect(sums[name], `${key} ${name}`).toBeCloseTo(Number(expected?.[COUNTERS[name].column]), 6);
          expect(sums[name], `${key} ${name}`).toBeGreaterThan(0);
        }
      }
    }
  });
});
