import type { Logger } from '@pmd/db';
import { Logger as GraphileLogger, type Job } from 'graphile-worker';

/** The fields of a job worth a log line; graphile-worker's meta carries the whole row (payload, locks, key…). */
function jobFields(job: Job) {
  return { jobId: job.id, task: job.task_identifier, attempts: job.attempts, maxAttempts: job.max_attempts };
}

/**
 * Bridges graphile-worker's logger to our structured logs. Its "Completed task … with success" line (info, with the
 * job row) comes every minute for every cron task and says nothing our own run log does not: it goes to debug. A
 * failure keeps its level and its error (as `err`, which pino prints with its stack); the job row is reduced to its
 * id, task and attempts.
 */
export function graphileLogger(log: Logger): GraphileLogger {
  return new GraphileLogger((scope) => (level, message, meta) => {
    const { job, error, success, ...rest } = (meta ?? {}) as { job?: Job; error?: unknown; success?: boolean };
    const fields = {
      ...scope,
      ...rest,
      ...(job && jobFields(job)),
      ...(error instanceof Error ? { err: error } : error !== undefined && { error }),
    };
    if (level === 'error') log.error(fields, message);
    else if (level === 'warning') log.warn(fields, message);
    else if (level === 'info' && !success) log.info(fields, message);
    else log.debug(fields, message);
  });
}
