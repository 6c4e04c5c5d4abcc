import { rawEventsHorizon, type RetentionSettings } from '@pmd/domain';
import type { Task } from 'graphile-worker';
import { maintainRawEventPartitions } from '../lib/partitions.ts';
import { parseScheduledPayload, scheduledInstant } from '../lib/payload.ts';
import { recordTaskRun } from '../lib/task-runs.ts';

/**
 * Keeps raw_events' day partitions: creates those of the coming days and of late events waiting in the default
 * partition, drops the days before the raw-events horizon (RAW_EVENTS_RETENTION_DAYS) with their event ids, and
 * indexes each day by campaign once it is closed.
 */
export function rawEventsPartitions(retention: RetentionSettings): Task {
  return async (payload, helpers) => {
    await recordTaskRun(helpers, 'raw_events_partitions', payload, async () => {
      const tick = scheduledInstant(parseScheduledPayload('raw_events_partitions', payload), new Date());
      const horizon = rawEventsHorizon(tick, retention);
      const run = await helpers.withPgClient((client) => maintainRawEventPartitions(client, tick, horizon));
      const changes = run.created.length + run.dropped.length + run.indexed.length;
      if (changes > 0)
        helpers.logger.info('raw_events partitions changed', { ...run, horizon: horizon?.toISOString() });
      // task_runs.rows_changed: partitions created, dropped or indexed, and the events they took in or took away.
      return changes + run.moved + run.droppedEvents;
    });
  };
}
