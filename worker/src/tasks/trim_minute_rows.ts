import { minuteRowsHorizon, type RetentionSettings } from '@pmd/domain';
import type { Task } from 'graphile-worker';
import { trimMinuteRows } from '../lib/minute-trim.ts';
import { parseScheduledPayload, scheduledInstant } from '../lib/payload.ts';
import { recordTaskRun } from '../lib/task-runs.ts';

/**
 * The horizon moves at UTC midnight, for ingest (by the server's clock) and here (by the tick) alike. Trimming by the
 * horizon of an hour ago leaves time for batches the server accepted just before midnight to commit (their hours are
 * then queued and kept), and for clocks an hour apart.
 */
const TRIM_GRACE_MS = 3_600_000;

/**
 * Deletes minute rows older than MINUTE_ROWS_RETENTION_DAYS once their hours are rolled up (reads past the horizon
 * come from the hourly and daily rollups). Nothing to do when the setting is unset.
 */
export function trimMinuteRowsTask(retention: RetentionSettings): Task {
  return async (payload, helpers) => {
    await recordTaskRun(helpers, 'trim_minute_rows', payload, async () => {
      const tick = scheduledInstant(parseScheduledPayload('trim_minute_rows', payload), new Date());
      const horizon = minuteRowsHorizon(new Date(tick.getTime() - TRIM_GRACE_MS), retention);
      if (!horizon) return 0;
      const result = await helpers.withPgClient((client) => trimMinuteRows(client, horizon));
      helpers.logger.debug('minute rows trimmed', { horizon: horizon.toISOString(), ...result });
      return result.deleted;
    });
  };
}
