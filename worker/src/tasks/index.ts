import type { TaskList } from 'graphile-worker';
import { anomaly_alerts } from './anomaly_alerts.ts';
import { metrics_daily } from './metrics_daily.ts';
import { metrics_hourly } from './metrics_hourly.ts';

/** Every task the worker runs, by the name the crontab and `add_job` use. */
export const taskList: TaskList = { metrics_hourly, metrics_daily, anomaly_alerts };
