import { readRetentionHorizons, storeEvents, type EventRow } from '@pmd/db';
import { capturedLogger, useTestDatabase } from '@pmd/db/testing';
import { DEFAULT_TIME_ZONE, type RetentionSettings } from '@pmd/domain';
import {
  letRecordedHorizonsStand,
  minuteRollupMismatches,
  randomEvents,
  seededRandom,
  storeTestEvents,
} from '@pmd/testkit';
import { runTaskListOnce, type Logger } from 'graphile-worker';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { graphileLogger } from '../src/lib/graphile-logger.ts';
import { DEFAULT_NOTIFY_CONFIG, notifySettings } from '../src/lib/notify/settings.ts';
import { createTaskList } from '../src/tasks/index.ts';
import { migrateWorkerSchema } from './testkit/jobs.ts';

const DAY_MS = 86_400_000;

/** Runs raw_events_partitions once as cron would at `tick`, with the worker's `retention` settings. */
async function runPartitionTask(url: string, tick: Date, retention: RetentionSettings = {}, logger?: Logger) {
  await migrateWorkerSchema(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SELECT graphile_worker.add_job('raw_events_partitions', $1::json)`, [
      JSON.stringify({ _cron: { ts: tick.toISOString() } }),
    ]);
    const taskList = createTaskList({
      notify: notifySettings(DEFAULT_NOTIFY_CONFIG),
      reportingTimeZone: DEFAULT_TIME_ZONE,
      retention,
    });
    await runTaskListOnce(
      { logger: logger ?? graphileLogger(capturedLogger('worker').log) },
      taskList,
      client as never,
    );
  } finally {
    await client.end();
  }
}

const event = (eventId: string, ts: string): EventRow => ({
  eventId,
  ts,
  userId: 'u1',
  campaignId: 'camp_p',
  channel: 'google',
  eventType: 'ad_impression',
  cost: 0,
});

describe('raw_events partitions', () => {
  const database = useTestDatabase();
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: database.url });
    pool.on('error', () => {}); // idle clients are cut when the test database is dropped
  });
  beforeEach(() => pool.query('TRUNCATE raw_events, event_ids, campaign_metrics_minute, rollup_dirty_hours'));
  afterAll(() => pool.end());

  /** Day partitions (YYYYMMDD) → their events, and the default partition's as `default`. */
  async function partitionCounts(): Promise<Record<string, number>> {
    const { rows } = await pool.query<{ name: string; n: number }>(
      `SELECT substring(c.relname from 'raw_events_p?(.*)') AS name,
              (SELECT count(*)::int FROM raw_events r WHERE r.tableoid = c.oid) AS n
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'raw_events'::regclass`,
    );
    return Object.fromEntries(rows.map((row) => [row.name, row.n]));
  }
  const idCount = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM event_ids')).rows[0]!.n;

  it('stores an id re-sent with a ts on another day once, and counts the repeat as a duplicate', async () => {
    expect((await storeEvents(pool, [event('twice', '2026-07-08T23:59:59Z')], { notify: false })).stored).toBe(1);
    expect((await storeEvents(pool, [event('twice', '2026-07-09T00:00:01Z')], { notify: false })).stored).toBe(0);
    // Both in one batch, and each ts on a day that has a partition: the first one sent is kept.
    const batch = [event('both', '2026-12-02T10:00:00Z'), event('both', '2026-12-03T10:00:00Z')];
    expect((await storeEvents(pool, batch, { notify: false })).stored).toBe(1);
    const { rows } = await pool.query('SELECT event_id, ts FROM raw_events ORDER BY event_id');
    expect(rows).toEqual([
      { event_id: 'both', ts: new Date('2026-12-02T10:00:00Z') },
      { event_id: 'twice', ts: new Date('2026-07-08T23:59:59Z') },
    ]);
    expect(await idCount()).toBe(2);
    expect(await minuteRollupMismatches(pool)).toEqual([]);
  });

  it('creates the partitions of the tick day and the days after it, once', async () => {
    const tick = new Date('2027-03-10T00:10:00Z');
    const info = capturedLogger('worker', 'info');
    await runPartitionTask(database.url, tick, {}, graphileLogger(info.log));
    const counts = await partitionCounts();
    for (const day of ['20270310', '20270311', '20270312', '20270313']) expect(counts[day]).toBe(0);
    expect(counts['20270314']).toBeUndefined();
    expect(info.lines.map((line) => line.msg)).toContain('raw_events partitions changed');

    const again = capturedLogger('worker', 'info');
    await runPartitionTask(database.url, tick, {}, graphileLogger(again.log));
    expect(again.lines).toEqual([]);
  });

  it('stores a late event for a day without a partition, then moves it into a new partition of its day', async () => {
    const late = randomEvents(seededRandom(5), 300, { from: Date.parse('2026-05-01T00:00:00Z'), spanMs: 2 * DAY_MS });
    expect(await storeTestEvents(pool, late)).toBe(300);
    const before = await partitionCounts();
    expect(before.default).toBe(300);
    expect(before['20260501']).toBeUndefined();

    await runPartitionTask(database.url, new Date('2026-05-03T00:10:00Z'));
    const after = await partitionCounts();
    expect(after.default).toBe(0);
    const perDay = await pool.query<{ day: string; n: number }>(
      `SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYYMMDD') AS day, count(*)::int AS n FROM raw_events GROUP BY 1`,
    );
    for (const { day, n } of perDay.rows) expect(after[day]).toBe(n);
    expect(perDay.rows.reduce((sum, row) => sum + row.n, 0)).toBe(300);
    expect(await minuteRollupMismatches(pool)).toEqual([]);
    // Still one event per id once moved: the same ids again are all duplicates.
    expect(await storeTestEvents(pool, late)).toBe(0);
  });

  it('lets a read that waited for a move see the moved events, in their new partition', async () => {
    const late = randomEvents(seededRandom(7), 200, { from: Date.parse('2026-04-10T00:00:00Z'), spanMs: DAY_MS });
    expect(await storeTestEvents(pool, late)).toBe(200);
    const countDay = `SELECT count(*)::int AS n FROM raw_events
                      WHERE ts >= '2026-04-10T00:00:00Z' AND ts < '2026-04-11T00:00:00Z'`;
    const mover = await pool.connect();
    const reader = await pool.connect();
    try {
      // The move holds its locks until it commits; the reader's query starts meanwhile and must wait for it.
      await mover.query('BEGIN');
      expect((await mover.query('SELECT raw_events_create_partition($1::date) AS moved', ['2026-04-10'])).rows).toEqual(
        [{ moved: 200 }],
      );
      const readerPid = (await reader.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const read = reader.query<{ n: number }>(countDay);
      await vi.waitFor(
        async () => {
          const { rows } = await pool.query('SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1', [readerPid]);
          expect(rows[0]?.wait_event_type).toBe('Lock');
        },
        { timeout: 10_000, interval: 10 },
      );
      await mover.query('COMMIT');
      // Planned before the commit and read after it, the query once saw the day in neither place: its plan had no
      // partition for the day, and its snapshot no longer had the rows in the default partition.
      expect((await read).rows).toEqual([{ n: 200 }]);
    } finally {
      await mover.query('ROLLBACK'); // after a failed step: the move's locks would hold up the next test
      mover.release();
      reader.release();
    }
  });

  it('gives up moving a day while a long read holds raw_events, and moves it on the next run', async () => {
    const late = randomEvents(seededRandom(8), 50, { from: Date.parse('2026-04-20T00:00:00Z'), spanMs: DAY_MS });
    expect(await storeTestEvents(pool, late)).toBe(50);
    const reader = await pool.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM raw_events');
      // The run ends on the lock timeout (5 s), while the read still runs: ingest queues behind a waiting move.
      const failed = capturedLogger('worker', 'error');
      await runPartitionTask(database.url, new Date('2026-04-21T00:10:00Z'), {}, graphileLogger(failed.log));
      expect(JSON.stringify(failed.lines)).toContain('lock timeout');
      expect((await partitionCounts())['20260420']).toBeUndefined();
    } finally {
      await reader.query('ROLLBACK');
      reader.release();
    }
    await runPartitionTask(database.url, new Date('2026-04-21T00:10:00Z'));
    expect(await partitionCounts()).toMatchObject({ '20260420': 50, default: 0 });
  }, 30_000);

  /** Partitions (YYYYMMDD, or `default`) with a (campaign_id, ts) index → whether it is valid. */
  async function campaignIndexes(): Promise<Record<string, boolean>> {
    const { rows } = await pool.query<{ name: string; valid: boolean }>(
      `SELECT t.relname AS name, x.indisvalid AS valid FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_inherits h ON h.inhrelid = t.oid AND h.inhparent = 'raw_events'::regclass
       JOIN pg_attribute a1 ON a1.attrelid = t.oid AND a1.attnum = x.indkey[0]
       JOIN pg_attribute a2 ON a2.attrelid = t.oid AND a2.attnum = x.indkey[1]
       WHERE i.relname = t.relname || '_campaign_id_ts_idx' AND x.indnatts = 2
         AND a1.attname = 'campaign_id' AND a2.attname = 'ts'`,
    );
    return Object.fromEntries(rows.map((row) => [row.name.replace('raw_events_', '').replace(/^p/, ''), row.valid]));
  }

  /** Runs the task at `tick`; the partitions its log line says it indexed (undefined: it logged no change). */
  async function partitionsIndexedByRun(tick: Date): Promise<unknown> {
    const info = capturedLogger('worker', 'info');
    await runPartitionTask(database.url, tick, {}, graphileLogger(info.log));
    return info.lines.find((line) => line.msg === 'raw_events partitions changed')?.indexed;
  }

  it('indexes each day by campaign once it is closed (before yesterday), and the default partition', async () => {
    // Events on 2027-06-10 … 2027-06-14; the tick is 2027-06-14, so the 10th to the 12th are closed.
    for (let day = 10; day <= 14; day++) {
      const from = Date.parse(`2027-06-${day}T00:00:00Z`);
      await storeTestEvents(pool, randomEvents(seededRandom(day), 50, { from, spanMs: DAY_MS, prefix: `i${day}` }));
    }
    await pool.query('DROP INDEX IF EXISTS raw_events_default_campaign_id_ts_idx'); // a restore without it heals
    const indexed = await partitionsIndexedByRun(new Date('2027-06-14T00:10:00Z'));
    const indexes = await campaignIndexes();
    expect(indexes).toMatchObject({ '20270610': true, '20270611': true, '20270612': true, default: true });
    for (const open of ['20270613', '20270614', '20270615', '20270616', '20270617']) {
      expect(await partitionCounts()).toHaveProperty(open);
      expect(indexes).not.toHaveProperty(open);
    }
    expect(indexed).toEqual(
      expect.arrayContaining(['raw_events_default', 'raw_events_p20270610', 'raw_events_p20270612']),
    );

    // The next day closes the 13th; nothing else is built again.
    const next = await partitionsIndexedByRun(new Date('2027-06-15T00:10:00Z'));
    expect(await campaignIndexes()).toMatchObject({ '20270613': true });
    expect(next).toEqual(['raw_events_p20270613']);
  });

  it('rebuilds an index a failed build left invalid', async () => {
    await storeTestEvents(
      pool,
      randomEvents(seededRandom(3), 50, { from: Date.parse('2027-07-01T00:00:00Z'), spanMs: DAY_MS, prefix: 'v' }),
    );
    await runPartitionTask(database.url, new Date('2027-07-05T00:10:00Z'));
    expect(await campaignIndexes()).toMatchObject({ '20270701': true });
    // What an interrupted CREATE INDEX CONCURRENTLY leaves: the index in the catalog, marked invalid (unused by reads).
    await pool.query(
      `UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'raw_events_p20270701_campaign_id_ts_idx'::regclass`,
    );
    expect(await campaignIndexes()).toMatchObject({ '20270701': false });
    const indexed = await partitionsIndexedByRun(new Date('2027-07-05T00:20:00Z'));
    expect(await campaignIndexes()).toMatchObject({ '20270701': true });
    expect(indexed).toEqual(['raw_events_p20270701']);
  });

  it('with RAW_EVENTS_RETENTION_DAYS, drops exactly the days before the horizon and their ids', async () => {
    // 100 events on each of 2026-10-01 … 2026-10-05; the horizon of 2 days at 2026-10-05 is 2026-10-03T00:00Z.
    for (let day = 1; day <= 5; day++) {
      const from = Date.parse(`2026-10-0${day}T00:00:00Z`);
      const events = randomEvents(seededRandom(day), 100, { from, spanMs: DAY_MS, prefix: `d${day}` });
      expect(await storeTestEvents(pool, events)).toBe(100);
    }
    // An older partition kept from an earlier test must go too; the days ahead of the real clock stay.
    const olderDays = Object.keys(await partitionCounts()).filter((name) => name < '20261003');
    await runPartitionTask(database.url, new Date('2026-10-05T00:10:00Z'));
    expect(await idCount()).toBe(500);

    // The first run with the setting records the horizon, for servers whose own settings keep more days
    // (services/retention-in-force.ts), and drops nothing while they have not read it yet...
    const tick = new Date('2026-10-05T00:10:00Z');
    await runPartitionTask(database.url, tick, { rawEventsDays: 2 });
    const horizon = new Date('2026-10-03T00:00:00Z');
    expect(await readRetentionHorizons(pool)).toEqual({ rawEvents: horizon, minuteRows: null });
    expect(await partitionCounts()).toMatchObject({ '20261001': 100, '20261002': 100 });
    expect(await idCount()).toBe(500);
    // ...and a run once it has stood drops the days before it.
    await letRecordedHorizonsStand(pool);
    const info = capturedLogger('worker', 'info');
    await runPartitionTask(database.url, tick, { rawEventsDays: 2 }, graphileLogger(info.log));
    const counts = await partitionCounts();
    expect(Object.keys(counts).filter((name) => name < '20261003')).toEqual([]);
    expect(counts).toMatchObject({ '20261003': 100, '20261004': 100, '20261005': 100, default: 0 });
    expect(await idCount()).toBe(300);
    const { rows } = await pool.query<{ prefix: string; n: number }>(
      `SELECT split_part(e.event_id, '-', 1) AS prefix, count(*)::int AS n
       FROM event_ids e JOIN raw_events r USING (event_id) GROUP BY 1 ORDER BY 1`,
    );
    expect(rows).toEqual([
      { prefix: 'd3', n: 100 },
      { prefix: 'd4', n: 100 },
      { prefix: 'd5', n: 100 },
    ]);
    const changed = info.lines.find((line) => line.msg === 'raw_events partitions changed');
    expect(changed).toMatchObject({
      dropped: [
        ...olderDays.map((d) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`),
        '2026-10-01',
        '2026-10-02',
      ].sort(),
      droppedEvents: 200,
    });

    // ...and never moves back: a worker restarted with a longer retention cannot bring the dropped days back.
    await runPartitionTask(database.url, tick, { rawEventsDays: 5 });
    expect(await readRetentionHorizons(pool)).toEqual({ rawEvents: horizon, minuteRows: null });
  });
});
