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
 * this file.
 */

const START = new Date('2026-11-10T00:00:00Z');
const END = new Date('2026-11-12T00:00:00Z');
const KEYS = [
  { campaignId: 'camp_a', channel: 'google' },
  { campaignId: 'camp_a', channel: 'meta' },
  { campaignId: 'camp_b', channel: 'tiktok' },
];

/** Events of every registry event type on every key, each with its own cost (6 decimals), over two UTC days. */
function everyTypeEvents(): EventRow[] {
  const events: EventRow[] = [];
  let i = 0;
  for (const key of KEYS) {
    for (const eventType of EVENT_TYPES) {
      for (let n = 0; n < 40; n++, i++) {
        // Spread over 48 h with a stride that is prime to 60, so minutes, hours and both days all get events.
        const ts = new Date(START.getTime() + ((i * 7_919_000) % (END.getTime() - START.getTime())));
        events.push({ eventId: `r-${i}`, ts, userId: `u${i % 17}`, ...key, eventType, cost: ((i * 37) % 1000) / 997 });
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

async function bruteForce(pool: pg.Pool, grain: Grain) {
  const { rows } = await pool.query(`
    SELECT campaign_id, channel, bucket, ${exact}
    FROM (SELECT e.campaign_id, e.channel, ${grain.raw} AS bucket, ${countersOverEventsSql('e')}
          FROM raw_events e LEFT JOIN campaigns c ON c.campaign_id = e.campaign_id GROUP BY 1, 2, 3) g
    ORDER BY 1, 2, 3`);
  return rows;
}

async function expectEveryLayerEqualsTheRegistry(pool: pg.Pool) {
  for (const grain of GRAINS) {
    const stored = await storedRows(pool, grain);
    expect(stored, grain.table).toEqual(await bruteForce(pool, grain));
    for (const column of ROLLUP_COLUMNS) {
      expect(
        stored.some((row: Record<string, string>) => Number(row[column]) > 0),
        `${grain.table}.${column}`,
      ).toBe(true);
    }
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
    const events = everyTypeEvents();
    for (let i = 0; i < events.length; i += 100) {
      await storeEvents(pool, events.slice(i, i + 100), { notify: false });
    }
    await storeEvents(pool, events.slice(0, 50), { notify: false }); // duplicates count once
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
      return new Map(result.rows.map((r) => [`${r.campaign_id}/${r.channel}`, r]));
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
