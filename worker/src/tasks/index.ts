import type { TaskList } from 'graphile-worker';
import { type AnomalyConfig, DEFAULT_ANOMALY_CONFIG } from '../lib/anomaly.ts';
import { anomalyAlerts } from './anomaly_alerts.ts';
import { metrics_daily } from './metrics_daily.ts';
import { metrics_hourly } from './metrics_hourly.ts';

export interface TaskSettings {
  anomaly: AnomalyConfig;
}

/** Every task the worker runs, by the name the crontab and `add_job` use. */
export function createTaskList(settings: TaskSettings): TaskList {
  return { metrics_hourly, metrics_daily, anomaly_alerts: anomalyAlerts(settings.anomaly) };
}

/** The tasks with the default thresholds (tests). */
export const taskList: TaskList = createTaskList({ anomaly: DEFAULT_ANOMALY_CONFIG });
