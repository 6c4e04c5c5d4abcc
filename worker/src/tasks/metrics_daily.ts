import type { Task } from 'graphile-worker';
import { parseScheduledPayload } from '../lib/payload.ts';
import { drainDaily } from '../lib/rollup.ts';
import { recordTaskRun } from '../lib/task-runs.ts';

/** Rewrites the daily rows of every (campaign, channel, UTC day) whose hourly rows changed since the last run. */
export const metrics_daily: Task = async (payload, helpers) => {
  await recordTaskRun(helpers, 'metrics_daily', payload, async () => {
    parseScheduledPayload('metrics_daily', payload);
    const result = await helpers.withPgClient((client) => drainDaily(client));
    return result.changed;
  });
};
