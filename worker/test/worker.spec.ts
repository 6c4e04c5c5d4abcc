import { useTestDatabase } from '@pmd/db/testing';
import { runTaskListOnce } from 'graphile-worker';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { taskList } from '../src/tasks/index.ts';
import { startWorker } from '../src/worker.ts';

describe('worker skeleton', () => {
  const database = useTestDatabase();

  it('runs a queued task and records the run in task_runs', async () => {
    const runner = await startWorker({ databaseUrl: database.url, crontab: '', pollInterval: 100 });
    const pool = new pg.Pool({ connectionString: database.url });
    try {
      await pool.query("SELECT graphile_worker.add_job('heartbeat', json_build_object('_cron', json_build_object('ts', '2026-07-08T12:00:00Z')))");
      await expect
        .poll(async () => (await pool.query('SELECT task_name, scheduled_at, error FROM task_runs')).rows, { timeout: 10_000 })
        .toEqual([{ task_name: 'heartbeat', scheduled_at: new Date('2026-07-08T12:00:00Z'), error: null }]);
    } finally {
      await runner.stop();
      await pool.end();
    }
  });

  it('runs the task list once with runTaskListOnce', async () => {
    const pool = new pg.Pool({ connectionString: database.url });
    try {
      await pool.query("SELECT graphile_worker.add_job('heartbeat', '{}'::json)");
      const client = await pool.connect();
      try {
        await runTaskListOnce({}, taskList, client);
      } finally {
        client.release();
      }
      const { rows } = await pool.query("SELECT count(*)::int AS runs FROM task_runs WHERE task_name = 'heartbeat'");
      expect(rows[0].runs).toBe(2);
    } finally {
      await pool.end();
    }
  });
});
