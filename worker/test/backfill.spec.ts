import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { useTestDatabase } from '@pmd/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillDays } from '../src/lib/backfill.ts';
import {
  expectedDaily,
  expectedHourly,
  randomEvents,
  rollupSnapshot,
  seededRandom,
  storedDaily,
  storedHourly,
} from '@pmd/testkit';

const DAY_MS = 86_400_000;
const DAYS = [new Date('2026-11-01T00:00:00Z'), new Date('2026-11-02T00:00:00Z'), new Date('2026-11-03T00:00:00Z')];

/** Raw events only, as a COPY would load them: no minute rows, no dirty queue. */
async function loadRawOnly(pool: pg.Pool, events: ReturnType<typeof randomEvents>) {
  await pool.query(
    `INSERT INTO raw_events (event_id, ts, user_id, campaign_id, channel, event_type, cost)
     SELECT event_id, ts, user_id, campaign_id, channel, event_type, cost
     FROM jsonb_to_recordset($1::jsonb) AS e(event_id text, ts timestamptz, user_id text, campaign_id text, channel text,
       event_type text, cost numeric)`,
    [JSON.stringify(events)],
  );
}

describe('backfill', () => {
  const database = useTestDatabase();
  let pool: pg.Pool;
  beforeAll(() => {
    // A half-hour-offset session time zone: every bucket must still be a UTC minute, hour and day.
    pool = new pg.Pool({ connectionString: database.url, options: '-c TimeZone=Asia/Kolkata' });
    pool.on('error', () => {}); // idle clients are cut when the test database is dropped
  });
  afterAll(() => pool.end());

  it('rebuilds minute, hourly and daily rows from raw events loaded without them', async () => {
    await loadRawOnly(pool, randomEvents(seededRandom(3), 4000, { from: DAYS[0]!, spanMs: 3 * DAY_MS, prefix: 'raw' }));
    // A stale rollup inside the range (its events are gone) must disappear.
    await pool.query(
      `INSERT INTO campaign_metrics_hourly (campaign_id, channel, hour, impressions) VALUES ('gone', 'x', '2026-11-02T05:00:00Z', 7)`,
    );
    await pool.query(
      `INSERT INTO campaign_metrics_daily (campaign_id, channel, day, impressions) VALUES ('gone', 'x', '2026-11-02', 7)`,
    );
    const clients = await Promise.all([pool.connect(), pool.connect()]);
    try {
      const seen: string[] = [];
      const totals = await backfillDays(clients, DAYS, (day) => seen.push(day.toISOString().slice(0, 10)));
      expect(seen.sort()).toEqual(['2026-11-01', '2026-11-02', '2026-11-03']);
      expect(totals.minuteRows).toBeGreaterThan(0);
    } finally {
      clients.forEach((client) => client.release());
    }
    expect(await storedHourly(pool)).toEqual(await expectedHourly(pool));
    expect(await storedDaily(pool)).toEqual(await expectedDaily(pool));
  });

  it('is idempotent, and `pnpm worker backfill` runs it from the command line', async () => {
    const snapshot = await rollupSnapshot(pool);
    const { stdout, stderr } = await promisify(execFile)(
      'pnpm',
      ['worker', 'backfill', '--from', '2026-11-01', '--to', '2026-11-03'],
      {
        env: { ...process.env, DATABASE_URL: database.url, LOG_FORMAT: 'json', LOG_LEVEL: 'info' },
        cwd: new URL('../..', import.meta.url).pathname,
      },
    );
    expect(`${stdout}${stderr}`).toMatch(/"msg":"backfill done"/);
    expect(stdout).toMatch(/"hourlyChanged":0,"dailyChanged":0/);
    expect(await rollupSnapshot(pool)).toEqual(snapshot);
  });

  it('explains bad arguments', async () => {
    const run = promisify(execFile)('pnpm', ['worker', 'backfill', '--from', '2026-11-05', '--to', '2026-11-01'], {
      env: { ...process.env, DATABASE_URL: database.url },
      cwd: new URL('../..', import.meta.url).pathname,
    });
    await expect(run).rejects.toMatchObject({ stderr: expect.stringMatching(/--to \(2026-11-01\) is before --from/) });
  });
});
