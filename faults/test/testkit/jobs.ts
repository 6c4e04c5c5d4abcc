import type pg from 'pg';

/**
 * Queues a rollup task exactly the way its crontab line does (queue `rollups`, one attempt, job key in replace mode),
 * so a test can stand in for the next cron tick without waiting for the minute to turn.
 */
export async function queueLikeCron(
  client: pg.ClientBase | pg.Pool,
  task: 'metrics_hourly' | 'metrics_daily',
): Promise<void> {
  await client.query(
    `SELECT graphile_worker.add_job($1, json_build_object('_cron', json_build_object('ts', $2::text)),
       queue_name := 'rollups', max_attempts := 1, job_key := $3, job_key_mode := 'replace')`,
    [task, new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString(), `cron_${task}`],
  );
}

/** Polls `probe` every `intervalMs` until it returns a value other than undefined. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
