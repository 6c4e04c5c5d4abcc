import type { Task } from 'graphile-worker';
import { evaluateAlerts } from '../lib/alerts.ts';
import type { AnomalyConfig } from '../lib/anomaly.ts';
import { parseScheduledPayload, scheduledInstant } from '../lib/payload.ts';
import { recordTaskRun } from '../lib/task-runs.ts';

/**
 * Fires, refreshes and resolves anomaly alerts for the window ending at the cron tick. The thresholds are checked once
 * at worker start (config.ts), not at each run.
 */
export function anomalyAlerts(config: AnomalyConfig): Task {
  return async (payload, helpers) => {
    await recordTaskRun(helpers, 'anomaly_alerts', payload, async () => {
      const tick = scheduledInstant(parseScheduledPayload('anomaly_alerts', payload), new Date());
      const result = await helpers.withPgClient((client) => evaluateAlerts(client, tick, config));
      helpers.logger.debug('anomaly evaluation', { tick: tick.toISOString(), ...result });
      return result.fired + result.resolved + result.refreshed;
    });
  };
}
