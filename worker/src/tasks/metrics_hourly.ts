import type { Task } from 'graphile-worker';
import { parseScheduledPayload } from '../lib/payload.ts';
import { drainHourly } from '../lib/rollup.ts';
import { recordTaskRun } from '../lib/task-runs.ts';

/**
 * Rewrites the hourly rows of every (campaign, channel, hour) ingest marked dirty since the last run. The queue, not
 * the tick, says what to do, so one run catches up after any downtime.
 */
export const metrics_hourly: Task = async (payload, helpers) => {
  await recordTaskRun(helpers, 'metrics_hourly', payload, async () => {
    parseScheduledPayload('metrics_hourly', payload);
    const result = await helpers.withPgClient((client) => drainHourly(client));
    return result.changed;
  });
};
