import { capturedLogger, useTestDatabase } from '@pmd/db/testing';
import { randomEvents, seededRandom, storeTestEvents } from '@pmd/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphileLogger } from '../src/lib/graphile-logger.ts';
import { migrateWorkerSchema, runTasks } from './testkit/jobs.ts';

/** The tasks cron runs every minute. */
const CRON_TASKS = ['metrics_hourly', 'metrics_daily', 'anomaly_alerts', 'notification_sweep'];
const TICK = new Date('2026-11-20T12:00:00Z');

describe('worker logs at LOG_LEVEL=info', () => {
  const database = useTestDatabase();
  let pool: pg.Pool;
  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: database.url });
    pool.on('error', () => {}); // idle clients are cut when the test database is dropped
    await migrateWorkerSchema(database.url);
  });
  afterAll(() => pool.end());

  it('a minute in which no task changes anything logs nothing at info; at debug, each run and job once', async () => {
    const info = capturedLogger('worker', 'info');
    await runTasks(database.url, CRON_TASKS, TICK, graphileLogger(info.log));
    expect(info.lines).toEqual([]);

    const debug = capturedLogger('worker', 'debug');
    await runTasks(database.url, CRON_TASKS, TICK, graphileLogger(debug.log));
    const messages = debug.lines.map((line) => line.msg);
    for (const task of CRON_TASKS) {
      expect(messages).toContain(`${task} done`);
      expect(messages.filter((msg) => msg.startsWith('Completed task') && msg.includes(`(${task},`))).toHaveLength(1);
    }
    // graphile-worker's meta carries the whole job row: only its id, task and attempts reach the log.
    const completed = debug.lines.find((line) => line.msg.startsWith('Completed task'))!;
    expect(completed).toMatchObject({ level: 'debug', jobId: expect.anything(), task: expect.any(String) });
    expect(completed).not.toHaveProperty('job');
  });

  it('a run that writes rollup rows logs one info line with the count', async () => {
    const events = randomEvents(seededRandom(7), 200, { from: TICK, spanMs: 3_600_000, prefix: 'logs' });
    expect(await storeTestEvents(pool, events)).toBe(200);
    const info = capturedLogger('worker', 'info');
    await runTasks(database.url, ['metrics_hourly'], TICK, graphileLogger(info.log));
    expect(info.lines).toEqual([
      expect.objectContaining({ level: 'info', msg: 'metrics_hourly done', rowsChanged: expect.any(Number) }),
    ]);
    expect(info.lines[0]!.rowsChanged).toBeGreaterThan(0);
  });

  it('a failed run is a warning from the task and an error from graphile-worker, with the reason', async () => {
    await pool.query(
      `SELECT graphile_worker.add_job('metrics_hourly', '{"_cron": {"ts": "not a time"}}'::json, max_attempts => 1)`,
    );
    const info = capturedLogger('worker', 'info');
    await runTasks(database.url, [], TICK, graphileLogger(info.log));
    expect(info.lines.map(({ level, msg }) => ({ level, msg: msg.split(' with error')[0] }))).toEqual([
      { level: 'warn', msg: 'metrics_hourly failed' },
      { level: 'error', msg: expect.stringMatching(/^Failed task \d+ \(metrics_hourly, /) },
    ]);
    expect(info.lines[0]!.error).toMatch(/metrics_hourly: invalid payload/);
    expect(info.lines[1]).toMatchObject({ task: 'metrics_hourly', err: expect.anything() });
    expect(info.lines[1]).not.toHaveProperty('job');
  });
});
