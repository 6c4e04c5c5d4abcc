import { createPool } from '@pmd/db';
import { capturedLogger, useTestDatabase } from '@pmd/db/testing';
import type pg from 'pg';
import { Counter, Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StandbyLiveDatabase, type StandbyLiveDatabaseOptions } from '../src/replica/live-replay.ts';
import { startStandby, type Standby } from './testkit/standby.ts';

/**
 * The wait for the standby's replay against a real streaming standby of the test cluster: a change committed on the
 * primary, then noted (as a notification would be), must be visible in whatever pool `readable()` hands out.
 */
describe('StandbyLiveDatabase', () => {
  const database = useTestDatabase();
  let standby: Standby;
  let primaryPool: pg.Pool;
  let standbyPool: pg.Pool;
  /** Connections checked out of each pool: every query of the replay check is one. */
  const checkouts = { primary: 0, standby: 0 };

  beforeAll(async () => {
    standby = await startStandby(database.adminUrl);
    primaryPool = createPool(database.url, { max: 2 });
    standbyPool = createPool(standby.urlOf(new URL(database.url).pathname.slice(1)), { max: 4 });
    primaryPool.on('acquire', () => (checkouts.primary += 1));
    standbyPool.on('acquire', () => (checkouts.standby += 1));
    await primaryPool.query('CREATE TABLE live_replay_probe (n int NOT NULL)');
    // The table exists on the standby before any test reads it there.
    await waitUntil(async () => (await exists(standbyPool)) === true);
  }, 120_000);

  afterEach(async () => {
    await standby.resumeReplay();
  });

  afterAll(async () => {
    await primaryPool?.end();
    await standbyPool?.end();
    await standby?.stop();
  }, 60_000);

  function liveDatabase(options: Partial<StandbyLiveDatabaseOptions> = {}) {
    const { log, lines } = capturedLogger('live-replay', 'debug');
    const registers = [new Registry()];
    const counters = {
      waits: new Counter({ name: 'waits', help: 'waits', registers }),
      fallbacks: new Counter({ name: 'fallbacks', help: 'fallbacks', registers }),
    };
    const db = new StandbyLiveDatabase({
      standby: standbyPool,
      primary: primaryPool,
      waitMs: 10_000,
      log,
      counters,
      ...options,
    });
    const count = async (counter: Counter) => (await counter.get()).values[0]?.value ?? 0;
    return {
      db,
      lines,
      waits: () => count(counters.waits),
      fallbacks: () => count(counters.fallbacks),
    };
  }

  /** Commits one row on the primary and notes it, as the LISTEN connection's notification would. */
  async function change(db: StandbyLiveDatabase): Promise<number> {
    const { rows } = await primaryPool.query<{ n: number }>(
      'INSERT INTO live_replay_probe (n) SELECT count(*) + 1 FROM live_replay_probe RETURNING n',
    );
    db.noteChange();
    return rows[0]!.n;
  }
  const rowsIn = async (pool: pg.Pool) =>
    (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM live_replay_probe')).rows[0]!.n;

  it('reads the standby at once, without asking the primary, while nothing was noted', async () => {
    const { db, waits } = liveDatabase();
    const before = { ...checkouts };
    expect(await db.readable()).toBe(standbyPool);
    expect(checkouts).toEqual(before);
    expect(await waits()).toBe(0);
  });

  it('after a change, hands out the standby only once it has replayed it; a resume ends the wait', async () => {
    const { db, waits, fallbacks, lines } = liveDatabase();
    await standby.pauseReplay();
    const rows = await change(db);
    let settled = false;
    const readable = db.readable().finally(() => (settled = true));
    // Paused: however long it is given, the wait is not over (the bound is 10 s).
    await waitUntil(async () => (await waits()) === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    await standby.resumeReplay();
    const pool = await readable;
    expect(pool).toBe(standbyPool);
    expect(await rowsIn(pool)).toBe(rows);
    expect(await fallbacks()).toBe(0);
    expect(lines.filter((line) => line.level === 'warn')).toEqual([]);
  });

  it('past LIVE_REPLICA_WAIT_MS reads the primary, counts each fallback, logs the episode once, and backs off', async () => {
    const waitMs = 400;
    const { db, waits, fallbacks, lines } = liveDatabase({ waitMs });
    await standby.pauseReplay();
    const looksBefore = checkouts.standby;
    const rows = await change(db);
    const pool = await db.readable();
    expect(pool).toBe(primaryPool);
    expect(await rowsIn(pool)).toBe(rows);
    expect(await rowsIn(standbyPool)).toBe(rows - 1);
    expect([await waits(), await fallbacks()]).toEqual([1, 1]);
    // 2, 4, 8, 16, 32 ms, then every 50 ms: timers never fire early, so a slow machine looks less often, never more.
    const looks = checkouts.standby - looksBefore;
    expect(looks).toBeGreaterThanOrEqual(2);
    expect(looks).toBeLessThanOrEqual(6 + Math.ceil(waitMs / 50));

    // Nothing noted since: the reads that follow (a computation's other queries) look once, and do not wait again.
    const primaryBefore = checkouts.primary;
    expect(await db.readable()).toBe(primaryPool);
    expect(checkouts.primary).toBe(primaryBefore);
    expect(await fallbacks()).toBe(1);
    // A second change in the same episode: waited for and counted again, not logged again.
    await change(db);
    expect(await db.readable()).toBe(primaryPool);
    expect([await waits(), await fallbacks()]).toEqual([2, 2]);
    const warnings = lines.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ waitMs, msg: expect.stringContaining('LIVE_REPLICA_WAIT_MS') });

    // The standby catches up: the next read finds it there, and the episode's end is logged.
    await standby.resumeReplay();
    await waitUntil(async () => (await rowsIn(standbyPool)) === rows + 1);
    expect(await db.readable()).toBe(standbyPool);
    expect(lines.filter((line) => line.msg.includes('caught up'))).toEqual([
      expect.objectContaining({ level: 'info', fallbacks: 2 }),
    ]);
  });

  it('shares one check among every waiter, and a change noted during it is waited for by a check of its own', async () => {
    const { db } = liveDatabase();
    await standby.pauseReplay();
    await change(db);
    const primaryBefore = checkouts.primary;
    const first = Array.from({ length: 20 }, () => db.readable());
    await waitUntil(async () => checkouts.primary > primaryBefore);
    // Committed and noted while the first check waits: its WAL position is past the one that check took.
    const second = await change(db);
    const later = db.readable();
    await standby.resumeReplay();
    const pools = await Promise.all(first);
    expect(new Set(pools)).toEqual(new Set([standbyPool]));
    const laterPool = await later;
    expect(await rowsIn(laterPool)).toBeGreaterThanOrEqual(second);
    // One primary query for the twenty, one for the change noted during their wait (plus the insert of `change`).
    expect(checkouts.primary - primaryBefore).toBe(3);
  });

  it('with LIVE_REPLICA_WAIT_MS=0 reads the standby when it has replayed, else the primary without waiting', async () => {
    const { db, fallbacks } = liveDatabase({ waitMs: 0 });
    await change(db);
    // The primary's WAL position is the cluster's, and other test files write meanwhile: the first look may find the
    // standby a few records behind (then the primary serves); the looks after it find the change replayed.
    await waitUntil(async () => (await db.readable()) === standbyPool);
    const before = await fallbacks();
    expect(before).toBeLessThanOrEqual(1);
    await standby.pauseReplay();
    const rows = await change(db);
    const pool = await db.readable();
    expect(pool).toBe(primaryPool);
    expect(await rowsIn(pool)).toBe(rows);
    expect(await fallbacks()).toBe(before + 1);
  });

  it('with synchronous_commit=off, waits for the commit itself, not only what the primary has flushed', async () => {
    // New sessions of this database (ingest's and the LSN reading's alike) commit without waiting for the flush.
    const name = new URL(database.url).pathname.slice(1);
    await primaryPool.query(`ALTER DATABASE "${name}" SET synchronous_commit = off`);
    const asyncPrimary = createPool(database.url, { max: 2 });
    try {
      const { db } = liveDatabase({ primary: asyncPrimary });
      for (let round = 0; round < 10; round++) {
        const { rows } = await asyncPrimary.query<{ n: number; setting: string }>(
          `INSERT INTO live_replay_probe (n) SELECT count(*) + 1 FROM live_replay_probe
           RETURNING n, current_setting('synchronous_commit') AS setting`,
        );
        expect(rows[0]!.setting).toBe('off');
        db.noteChange();
        expect(await rowsIn(await db.readable())).toBe(rows[0]!.n);
      }
    } finally {
      await primaryPool.query(`ALTER DATABASE "${name}" RESET synchronous_commit`);
      await asyncPrimary.end();
    }
  });

  it('reads the primary when the standby cannot be reached, and says why once', async () => {
    const unreachable = createPool('postgresql://postgres:x@127.0.0.1:1/none', { max: 1 });
    try {
      const { db, fallbacks, lines } = liveDatabase({ standby: unreachable });
      const rows = await change(db);
      const pool = await db.readable();
      expect(pool).toBe(primaryPool);
      expect(await rowsIn(pool)).toBe(rows);
      expect(await fallbacks()).toBe(1);
      expect(lines.filter((line) => line.level === 'warn')).toEqual([
        expect.objectContaining({ msg: expect.stringContaining('could not say') }),
      ]);
    } finally {
      await unreachable.end();
    }
  });
});

async function exists(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ present: boolean }>(
    "SELECT to_regclass('live_replay_probe') IS NOT NULL AS present",
  );
  return rows[0]!.present;
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
