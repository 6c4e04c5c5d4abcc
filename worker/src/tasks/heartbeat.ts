import type { Task } from 'graphile-worker';
import { recordTaskRun } from '../lib/task-runs.ts';

/** A trivial task: records that the scheduler ran, so the pipeline status shows a live worker. */
export const heartbeat: Task = async (payload, helpers) => {
  await recordTaskRun(helpers, 'heartbeat', payload, async () => 0);
};
