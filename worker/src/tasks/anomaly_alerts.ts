import type { Task } from 'graphile-worker';
import { evaluateAlerts } from '../lib/alerts.ts';
import { anomalyConfigFromEnv } from '../lib/anomaly.ts';
import { parseScheduledPayload, scheduledInstant } from '../lib/payload.ts';
import { recordTaskRun } from '../lib/task-runs.ts';

/** Fires, refreshes and resolves anomaly alerts for the window ending at the cron tick. */
export const anomaly_alerts: Task = async (payload, helpers) => {
  await recordTaskRun(helpers, 'anomaly_alerts', payload, async () => {
    const tick = scheduledInstant(parseScheduledPayload('anomaly_alerts', payload), new Date());
    const config = anomalyConfigFromEnv(process.env);
    const result = await helpers.withPgClient((client) => evaluateAlerts(client, tick, config));
    helpers.logger.debug('anomaly evaluation', { tick: tick.toISOString(), ...result });
    return result.fired + result.resolved + result.refreshed;
  });
};
