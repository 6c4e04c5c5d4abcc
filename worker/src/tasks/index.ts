import { DEFAULT_TIME_ZONE, type RetentionSettings } from '@pmd/domain';
import type { TaskList } from 'graphile-worker';
import { notifySettings, DEFAULT_NOTIFY_CONFIG } from '../lib/notify/settings.ts';
import type { NotifySettings } from '../lib/notify/deliver.ts';
import { anomalyAlerts } from './anomaly_alerts.ts';
import { deliverNotificationTask } from './deliver_notification.ts';
import { metrics_daily } from './metrics_daily.ts';
import { metrics_hourly } from './metrics_hourly.ts';
import { notification_sweep } from './notification_sweep.ts';
import { rawEventsPartitions } from './raw_events_partitions.ts';
import { trimMinuteRowsTask } from './trim_minute_rows.ts';

export interface TaskSettings {
  notify: NotifySettings;
  /** The zone of a daily budget's day (target rules' pacing). */
  reportingTimeZone: string;
  /** How long raw events and minute rows are kept (RAW_EVENTS_RETENTION_DAYS, MINUTE_ROWS_RETENTION_DAYS). */
  retention: RetentionSettings;
}

/** Every task the worker runs, by the name the crontab and `add_job` use. */
export function createTaskList(settings: TaskSettings): TaskList {
  return {
    metrics_hourly,
    metrics_daily,
    anomaly_alerts: anomalyAlerts(settings.reportingTimeZone),
    deliver_notification: deliverNotificationTask(settings.notify),
    notification_sweep,
    raw_events_partitions: rawEventsPartitions(settings.retention),
    trim_minute_rows: trimMinuteRowsTask(settings.retention),
  };
}

/** The tasks without SMTP, reporting in the default zone, keeping everything (tests). */
export const taskList: TaskList = createTaskList({
  notify: notifySettings(DEFAULT_NOTIFY_CONFIG),
  reportingTimeZone: DEFAULT_TIME_ZONE,
  retention: {},
});
