import type { Task } from 'graphile-worker';
import { enqueueRepeats, queueOrphanDeliveries } from '../lib/notify/deliver.ts';
import { parseScheduledPayload, scheduledInstant } from '../lib/payload.ts';
import { recordTaskRun } from '../lib/task-runs.ts';

/** Queues repeat notifications for long-firing alerts (due at the tick) and deliveries that have no job yet. */
export const notification_sweep: Task = async (payload, helpers) => {
  await recordTaskRun(helpers, 'notification_sweep', payload, async () => {
    const tick = scheduledInstant(parseScheduledPayload('notification_sweep', payload), new Date());
    const { repeats, orphans } = await helpers.withPgClient(async (client) => ({
      repeats: await enqueueRepeats(client, tick),
      orphans: await queueOrphanDeliveries(client),
    }));
    helpers.logger.debug('notification sweep', { tick: tick.toISOString(), repeats, orphans });
    return repeats;
  });
};
