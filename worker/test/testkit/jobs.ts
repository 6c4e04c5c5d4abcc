import { Logger, runMigrations, runTaskListOnce } from 'graphile-worker';
import pg from 'pg';
import { taskList } from '../../src/tasks/index.ts';

const silentLogger = new Logger(() => () => {});
const migrated = new Set<string>();

/** Creates graphile-worker's own schema in a test database (what `run()` does when a worker starts). */
export async function migrateWorkerSchema(databaseUrl: string): Promise<void> {
  if (migrated.has(databaseUrl)) return;
  await runMigrations({ connectionString: databaseUrl, logger: silentLogger });
  migrated.add(databaseUrl);
}

/**
 * Queues the named tasks as cron would (payload `_cron.ts` = `tick`) and runs every queued job once with the real
 * graphile-worker, in queue order, logging to `logger` (silent by default). Alert thresholds are rows of
 * `alert_rules` (testkit/rules.ts sets them).
 */
export async function runTasks(
  databaseUrl: string,
  names: readonly string[],
  tick = new Date('2026-11-20T12:00:00Z'),
  logger: Logger = silentLogger,
) {
  await migrateWorkerSchema(databaseUrl);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const name of names) {
      await client.query('SELECT graphile_worker.add_job($1, $2::json)', [
        name,
        JSON.stringify({ _cron: { ts: tick.toISOString() } }),
      ]);
    }
    await runTaskListOnce({ logger }, taskList, client as unknown as pg.PoolClient);
  } finally {
    await client.end();
  }
}
