import type { TaskList } from 'graphile-worker';
import { heartbeat } from './heartbeat.ts';

/** Every task the worker runs, by the name the crontab and `add_job` use. */
export const taskList: TaskList = { heartbeat };
