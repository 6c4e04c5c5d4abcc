import { createLogger, ensureDatabase, migrate, readMigrations, storeEvents } from '@pmd/db';
import { useTestDatabase } from '@pmd/db/testing';
import {
  bruteForce,
  expectedRollup,
  randomEvents,
  seededRandom,
  storedEvents,
  storedRollup,
  toEventRow,
  type Grain,
} from '@pmd/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillDays } from '../src/lib/backfill.ts';

const PARTITIONING = '20261202200000_partition_raw_events';
const CAMPAIGN_INDEX = '20261204120000_campaign_index_on_closed_days';
const DAY_MS = 86_400_000;
const DAYS = [new Date('2026-11-20T00:00:00Z'), new Date('2026-11-21T00:00:00Z'), new Date('2026-11-22T00:00:00Z')];
const GRAINS: Grain[] = ['minute', 'hour', 'day'];
const log = createLogger('partition-migration-test');

/** Everything a reader can see of the events: every row, the rollups of every grain, the KPI sums of each campaign. */
async function snapshot(pool: pg.Pool, url: string) {
  const window = { from: DAYS[0]!, to: new Date(DAYS[2]!.getTime() + DAY_MS) };
  return {
    events: await storedEvents(url),
    rollups: await Promise.all(GRAINS.map((grain) => storedRollup(pool, grain))),
    kpis: await bruteForce(pool, window, { groupBy: ['campaign_id', 'channel'] }),
    perDay: (
      await pool.query(`SELECT (ts AT TIME ZONE 'UTC')::date::text AS day, count(*)::int AS n
                        FROM raw_events GROUP BY 1 ORDER BY 1`)
    ).rows,
  };
}

describe(`migration ${PARTITIONING} on a database holding events`, () => {
  const cluster = useTestDatabase();
  let url: string;
  let pool: pg.Pool;
  let names: string[];

  beforeAll(async () => {
    names = (await readMigrations()).map((migration) => migration.name);
    const before = names[names.indexOf(PARTITIONING) - 1]!;
    url = await ensureDatabase(cluster.adminUrl, `pmd_test_partition_migration_${process.pid}`);
    await migrate(url, log, undefined, before);
    pool = new pg.Pool({ connectionString: url });
    pool.on('error', () => {}); // idle clients are cut when the database is dropped
  });
  afterAll(async () => {
    await pool.end();
    const admin = new pg.Client({ connectionString: cluster.adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(new URL(url).pathname.slice(1))} WITH (FORCE)`);
    await admin.end();
  });

  // A backfill, a migration and brute-force reads of every grain: seconds on a loaded machine.
  it(
    'keeps every event, rollup row and KPI, and refuses a stored id re-sent with another ts afterwards',
    { timeout: 30_000 },
    async () => {
      // The old, unpartitioned table, filled with plain SQL (its ingest statement is gone) and rolled up.
      const events = randomEvents(seededRandom(17), 3000, { from: DAYS[0]!, spanMs: 3 * DAY_MS, prefix: 'old' });
      await pool.query(
        `INSERT INTO raw_events (event_id, ts, user_id, campaign_id, channel, event_type, cost, revenue)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS e(event_id text, ts timestamptz, user_id text, campaign_id text,
         channel text, event_type text, cost numeric, revenue numeric)`,
        [JSON.stringify(events)],
      );
      const client = await pool.connect();
      try {
        await backfillDays([client], DAYS);
      } finally {
        client.release();
      }
      const before = await snapshot(pool, url);
      expect(before.events).toHaveLength(3000);
      expect(before.rollups.every((rows) => rows.length > 0)).toBe(true);

      expect(await migrate(url, log, undefined, PARTITIONING)).toEqual([PARTITIONING]);

      expect(await snapshot(pool, url)).toEqual(before);
      for (const grain of GRAINS) expect(await storedRollup(pool, grain)).toEqual(await expectedRollup(pool, grain));
      const { rows: partitions } = await pool.query<{ name: string; n: number }>(
        `SELECT c.relname AS name, (SELECT count(*)::int FROM raw_events r WHERE r.tableoid = c.oid) AS n
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'raw_events'::regclass ORDER BY 1`,
      );
      const today = Date.now() - (Date.now() % DAY_MS);
      const ahead = [0, 1, 2, 3].map((i) => new Date(today + i * DAY_MS));
      const name = (day: Date) => `raw_events_p${day.toISOString().slice(0, 10).replaceAll('-', '')}`;
      expect(partitions).toEqual(
        [
          ...before.perDay.map(({ day, n }) => ({ name: name(new Date(day)), n })),
          ...ahead.map((day) => ({ name: name(day), n: 0 })),
          { name: 'raw_events_default', n: 0 },
        ].sort((a, b) => a.name.localeCompare(b.name)),
      );
      const ids = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM event_ids');
      expect(ids.rows[0]!.n).toBe(3000);

      // A stored id on another day: a duplicate, counted and never stored (the key (event_id, ts) alone would take it).
      const resent = { ...toEventRow(events[0]!), ts: new Date(new Date(events[0]!.ts).getTime() + DAY_MS) };
      expect((await storeEvents(pool, [resent], { notify: false })).stored).toBe(0);
      expect(await storedEvents(url)).toEqual(before.events);

      // The campaign index then leaves the partitioned table and stays on the closed days and the default partition.
      const next = names[names.indexOf(PARTITIONING) + 1]!;
      expect(await migrate(url, log, undefined, CAMPAIGN_INDEX)).toEqual(
        names.slice(names.indexOf(next), names.indexOf(CAMPAIGN_INDEX) + 1),
      );
      const { rows: indexed } = await pool.query<{ partition: string }>(
        `SELECT t.relname AS partition FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_class t ON t.oid = x.indrelid
         WHERE i.relname LIKE '%campaign_id_ts_idx' AND x.indisvalid ORDER BY 1`,
      );
      expect(indexed.map((row) => row.partition)).toEqual([
        'raw_events_default',
        ...before.perDay.map(({ day }) => name(new Date(day))),
      ]);
      expect(await snapshot(pool, url)).toEqual(before);
    },
  );
});
