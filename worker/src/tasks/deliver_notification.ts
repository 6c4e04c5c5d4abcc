import type { Task } from 'graphile-worker';
import { z } from 'zod';
import { deliverNotification, type NotifySettings } from '../lib/notify/deliver.ts';

/** Queued by the SQL function notification_queue_job (the alerts trigger, sendTestNotification, the sweep). */
const deliverPayload = z.object({ deliveryId: z.string().regex(/^\d{1,19}$/) });

/**
 * Sends one notification delivery. A failed attempt throws, so graphile-worker retries it with its exponential
 * backoff (exp(attempts) seconds) up to the job's max_attempts; the delivery row records every attempt.
 */
export function deliverNotificationTask(settings: NotifySettings): Task {
  return async (payload, helpers) => {
    const parsed = deliverPayload.safeParse(payload);
    if (!parsed.success) throw new Error(`deliver_notification: invalid payload: ${z.prettifyError(parsed.error)}`);
    const { deliveryId } = parsed.data;
    const lastAttempt = helpers.job.attempts >= helpers.job.max_attempts;
    const result = await helpers.withPgClient((client) =>
      deliverNotification(client, deliveryId, settings, lastAttempt),
    );
    const fields = { deliveryId, outcome: result.outcome, error: result.error?.message };
    // A delivery that sent nothing (skipped: already sent, channel gone or disabled) is debug; a failure a warning.
    if (result.outcome === 'sent') helpers.logger.info('notification delivery', fields);
    else if (result.outcome === 'skipped') helpers.logger.debug('notification delivery', fields);
    else helpers.logger.warn('notification delivery', fields);
    if (result.error) throw result.error;
  };
}
