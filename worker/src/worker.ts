import { readFile } from 'node:fs/promises';
import { createLogger, type Logger } from '@pmd/db';
import { DEFAULT_TIME_ZONE, type RetentionSettings } from '@pmd/domain';
import { run, type Runner } from 'graphile-worker';
import { graphileLogger } from './lib/graphile-logger.ts';
import { DEFAULT_NOTIFY_CONFIG, type NotifyConfig, notifySettings } from './lib/notify/settings.ts';
import { startWorkerLiveness } from './lib/worker-liveness.ts';
import { createTaskList } from './tasks/index.ts';

export const CRONTAB_FILE = new URL('../crontab', import.meta.url);

export interface StartWorkerOptions {
  databaseUrl: string;
  log?: Logger;
  concurrency?: number;
  /** Crontab text; defaults to worker/crontab. */
  crontab?: string;
  pollInterval?: number;
  /** How often jobs and queues held by dead workers are freed (WORKER_SWEEP_INTERVAL_MS, default 30 s). */
  sweepIntervalMs?: number;
  /** How notifications are sent (SMTP_*, DASHBOARD_URL, NOTIFY_*); default DEFAULT_NOTIFY_CONFIG (no SMTP). */
  notify?: NotifyConfig;
  /** The zone of a daily budget's day (REPORTING_TIME_ZONE); default DEFAULT_TIME_ZONE, as the server's. */
  reportingTimeZone?: string;
  /** How long minute rows are kept (MINUTE_ROWS_RETENTION_DAYS); default: all are kept. */
  retention?: RetentionSettings;
}

/**
 * Starts graphile-worker on the shared database (it migrates its own `graphile_worker` schema), with the liveness
 * locks that let any worker free what a killed one held (see lib/worker-liveness.ts).
 */
export async function startWorker(options: StartWorkerOptions): Promise<Runner> {
  const log = options.log ?? createLogger('worker');
  const crontab = options.crontab ?? (await readFile(CRONTAB_FILE, 'utf8'));
  const liveness = await startWorkerLiveness({
    databaseUrl: options.databaseUrl,
    log,
    sweepIntervalMs: options.sweepIntervalMs ?? 30_000,
  });
  const notify = notifySettings(options.notify ?? DEFAULT_NOTIFY_CONFIG);
  let runner: Runner;
  try {
    runner = await run({
      connectionString: options.databaseUrl,
      concurrency: options.concurrency ?? 2,
      pollInterval: options.pollInterval ?? 1000,
      noHandleSignals: true,
      taskList: createTaskList({
        notify,
        reportingTimeZone: options.reportingTimeZone ?? DEFAULT_TIME_ZONE,
        retention: options.retention ?? {},
      }),
      crontab,
      logger: graphileLogger(log),
      events: liveness.events,
    });
  } catch (error) {
    await liveness.stop();
    notify.mailer?.close();
    throw error;
  }
  return {
    ...runner,
    stop: async (reason) => {
      await runner.stop(reason);
      await liveness.stop();
      notify.mailer?.close();
    },
  };
}
