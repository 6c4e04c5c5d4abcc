import type { Task } from 'graphile-worker';
import { evaluateAlerts } from '../lib/alerts.ts';
import { parseScheduledPayload, scheduledInstant } from '../lib/payload.ts';
import { recordTaskRun } from '../lib/task-runs.ts';

/**
 * Fires, refreshes and resolves alerts for the minute ending at the cron tick, by the enabled rules of `alert_rules`
 * (read at each run, so a rule changed in the dashboard applies from the next minute); target rules' days are local
 * days of `reportingTimeZone`.
 */
export const anomalyAlerts =
  (reportingTimeZone: string): Task =>
  async (payload, helpers) => {
    await recordTaskRun(helpers, 'anomaly_alerts', payload, async () => {
      const tick = scheduledInstant(parseScheduledPayload('anomaly_alerts', payload), new Date());
      const result = await helpers.withPgClient((client) => evaluateAlerts(client, tick, reportingTimeZone));
      helpers.logger.debug('anomaly evaluation', { tick: tick.toISOString(), ...result });
      return result.fired + result.pending + result.promoted + result.cancelled + result.resolved + result.refreshed;
    });
  };
