import type pg from 'pg';

/** The worker's scheduled tasks (always listed, even before their first run). */
export const PIPELINE_TASKS = ['metrics_hourly', 'metrics_daily', 'anomaly_alerts'] as const;

export interface PipelineTask {
  name: string;
  lastRunAt: Date | null;
  lastSuccessAt: Date | null;
  lastDurationMs: number | null;
  lastError: string | null;
  lagSeconds: number | null;
  runsLastHour: number;
  failuresLastHour: number;
}

export interface PipelineStatus {
  tasks: PipelineTask[];
  pendingDirtyHours: number;
  pendingDirtyDays: number;
  latestEventAt: Date | null;
}

/** What the Airflow UI showed: per task its last run, duration, error and lag; plus the rollup queues' backlog. */
export async function pipelineStatus(pool: pg.Pool): Promise<PipelineStatus> {
  const [tasks, queues] = await Promise.all([
    pool.query(
      `WITH names AS (
         SELECT unnest($1::text[]) AS name
         UNION
         SELECT DISTINCT task_name FROM task_runs WHERE started_at > now() - interval '1 day'
       )
       SELECT n.name, last.started_at AS last_run_at, last.duration_ms, last.error,
              ok.finished_at AS last_success_at,
              extract(epoch FROM now() - ok.finished_at)::float8 AS lag_seconds,
              recent.runs, recent.failures
       FROM names n
       LEFT JOIN LATERAL (SELECT started_at, duration_ms, error FROM task_runs
                          WHERE task_name = n.name ORDER BY started_at DESC LIMIT 1) last ON true
       LEFT JOIN LATERAL (SELECT finished_at FROM task_runs
                          WHERE task_name = n.name AND error IS NULL AND finished_at IS NOT NULL
                          ORDER BY started_at DESC LIMIT 1) ok ON true
       LEFT JOIN LATERAL (SELECT count(*) AS runs, count(*) FILTER (WHERE error IS NOT NULL) AS failures
                          FROM task_runs WHERE task_name = n.name AND started_at > now() - interval '1 hour') recent ON true
       ORDER BY array_position($1::text[], n.name), n.name`,
      [PIPELINE_TASKS],
    ),
    pool.query(
      `SELECT (SELECT count(*) FROM (SELECT DISTINCT campaign_id, channel, hour FROM rollup_dirty_hours) h) AS hours,
              (SELECT count(*) FROM (SELECT DISTINCT campaign_id, channel, day FROM rollup_dirty_days) d) AS days,
              (SELECT max(ts) FROM raw_events) AS latest_event_at`,
    ),
  ]);
  const queue = queues.rows[0]!;
  return {
    tasks: tasks.rows.map((row) => ({
      name: row.name,
      lastRunAt: row.last_run_at,
      lastSuccessAt: row.last_success_at,
      lastDurationMs: row.duration_ms,
      lastError: row.error,
      lagSeconds: row.lag_seconds,
      runsLastHour: row.runs,
      failuresLastHour: row.failures,
    })),
    pendingDirtyHours: queue.hours,
    pendingDirtyDays: queue.days,
    latestEventAt: queue.latest_event_at,
  };
}
