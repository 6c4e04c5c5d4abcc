import { z } from 'zod';

/**
 * Payload of every scheduled task: graphile-worker's cron adds `_cron: { ts, backfilled }` (the tick the job is for).
 * A job queued by hand (`add_job('anomaly_alerts', '{"at": "…"}')`) may name its instant with `at` instead.
 */
const scheduledPayload = z.object({
  _cron: z.object({ ts: z.iso.datetime({ offset: true }), backfilled: z.boolean().optional() }).optional(),
  at: z.iso.datetime({ offset: true }).optional(),
});

export type ScheduledPayload = z.infer<typeof scheduledPayload>;

/** Validates a task payload (null or {} is fine); throws a readable error naming the bad field. */
export function parseScheduledPayload(taskName: string, payload: unknown): ScheduledPayload {
  const result = scheduledPayload.safeParse(payload ?? {});
  if (!result.success) {
    throw new Error(`${taskName}: invalid payload: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

/**
 * The instant a run is "for": the cron tick, else `at`, else the start of the current minute (a job queued by hand),
 * so windows never depend on how late a job started.
 */
export function scheduledInstant(payload: ScheduledPayload, fallback: Date): Date {
  const iso = payload._cron?.ts ?? payload.at;
  if (iso) return new Date(iso);
  return new Date(Math.floor(fallback.getTime() / 60_000) * 60_000);
}
