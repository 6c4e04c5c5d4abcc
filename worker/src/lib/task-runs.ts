import type { JobHelpers } from 'graphile-worker';

/** The cron tick a job was scheduled for, when cron scheduled it (graphile-worker adds `_cron` to the payload). */
export function cronTick(payload: unknown): Date | undefined {
  const ts = (payload as { _cron?: { ts?: unknown } } | null)?._cron?.ts;
  if (typeof ts !== 'string') return undefined;
  const tick = new Date(ts);
  // A malformed tick must not stop the run from being recorded (the task itself reports the bad payload).
  return Number.isNaN(tick.getTime()) ? undefined : tick;
}

/**
 * Runs `work` and writes its outcome to task_runs (what the pipeline status shows): start, duration, rows changed,
 * error. The error is re-thrown so graphile-worker records the job as failed; the crontab's `max=1` means it is not
 * retried: the next tick adds a fresh job under the same jobKey and runs it.
 */
export async function recordTaskRun(
  helpers: Pick<JobHelpers, 'withPgClient' | 'logger'>,
  taskName: string,
  payload: unknown,
  work: () => Promise<number>,
): Promise<number> {
  const startedAt = new Date();
  let rowsChanged = 0;
  let error: string | null = null;
  try {
    rowsChanged = await work();
    return rowsChanged;
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
    throw caught;
  } finally {
    const finishedAt = new Date();
    await helpers.withPgClient((client) =>
      client.query(
        `INSERT INTO task_runs (task_name, scheduled_at, started_at, finished_at, duration_ms, rows_changed, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          taskName,
          cronTick(payload) ?? null,
          startedAt,
          finishedAt,
          finishedAt.getTime() - startedAt.getTime(),
          rowsChanged,
          error,
        ],
      ),
    );
    // Every task runs each minute: a run is worth an info line only when it changed rows, a warning when it failed
    // (graphile-worker logs the error with its stack); a run with nothing to do is debug.
    const ms = finishedAt.getTime() - startedAt.getTime();
    if (error) helpers.logger.warn(`${taskName} failed`, { rowsChanged, ms, error });
    else if (rowsChanged > 0) helpers.logger.info(`${taskName} done`, { rowsChanged, ms });
    else helpers.logger.debug(`${taskName} done`, { rowsChanged, ms });
  }
}
