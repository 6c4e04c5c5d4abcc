import { useTestDatabase } from '@pmd/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker } from '../src/worker.ts';

// Node prints a deprecation once per process: this file runs alone in its own (vitest isolates test files), so a
// warning an earlier file triggered cannot hide one here.
describe('a worker start', () => {
  const database = useTestDatabase();
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  let pool: pg.Pool;
  beforeAll(() => {
    process.on('warning', onWarning);
    pool = new pg.Pool({ connectionString: database.url });
    pool.on('error', () => {}); // idle clients are cut when the test database is dropped
  });
  afterAll(async () => {
    process.off('warning', onWarning);
    await pool.end();
  });

  it('holds a liveness lock per graphile worker id without a pg DeprecationWarning (queries one at a time)', async () => {
    const concurrency = 4;
    const runner = await startWorker({ databaseUrl: database.url, crontab: '', concurrency, pollInterval: 50 });
    try {
      // The pool's id and each of its workers' ids, all taken in one tick of graphile-worker's start.
      await expect
        .poll(
          async () =>
            (
              await pool.query<{ n: number }>(
                `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a USING (pid)
                 WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = 'pmd-worker-liveness'`,
              )
            ).rows[0]!.n,
          { timeout: 10_000, interval: 50 },
        )
        .toBe(concurrency + 1);
    } finally {
      await runner.stop();
    }
    expect(warnings.filter((warning) => warning.name === 'DeprecationWarning').map((w) => w.message)).toEqual([]);
  });
});
