import { readFile } from 'node:fs/promises';
import { createLogger, type Logger } from '@pmd/db';
import { Logger as GraphileLogger, run, type Runner } from 'graphile-worker';
import { taskList } from './tasks/index.ts';

export const CRONTAB_FILE = new URL('../crontab', import.meta.url);

export interface StartWorkerOptions {
  databaseUrl: string;
  log?: Logger;
  concurrency?: number;
  /** Crontab text; defaults to worker/crontab. */
  crontab?: string;
  pollInterval?: number;
}

/** Bridges graphile-worker's logger to our structured logs. */
function graphileLogger(log: Logger): GraphileLogger {
  return new GraphileLogger((scope) => (level, message, meta) => {
    const method = level === 'warning' ? 'warn' : level === 'error' ? 'error' : level === 'debug' ? 'debug' : 'info';
    log[method]({ ...scope, ...meta }, message);
  });
}

/** Starts graphile-worker on the shared database (it migrates its own `graphile_worker` schema). */
export async function startWorker(options: StartWorkerOptions): Promise<Runner> {
  const log = options.log ?? createLogger('worker');
  const crontab = options.crontab ?? (await readFile(CRONTAB_FILE, 'utf8'));
  return run({
    connectionString: options.databaseUrl,
    concurrency: options.concurrency ?? 2,
    pollInterval: options.pollInterval ?? 1000,
    noHandleSignals: true,
    taskList,
    crontab,
    logger: graphileLogger(log),
  });
}
