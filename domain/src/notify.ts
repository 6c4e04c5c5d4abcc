import { z } from 'zod';

/**
 * PostgreSQL NOTIFY channels shared by every process, and the schema of each payload. Payloads are small JSON with ids
 * and keys only (NOTIFY allows 8000 bytes); listeners re-read rows. Writers call `pg_notify(channel, payload)` inside
 * the transaction that made the change, so a notification is delivered only when that change is committed and
 * visible. Listeners parse payloads with these schemas (never an unchecked cast).
 */
export const NOTIFY_CHANNELS = {
  /** After each committed ingest batch. */
  eventsIngested: 'pmd_events_ingested',
  /** After a worker run changed rollup rows. */
  rollupsChanged: 'pmd_rollups_changed',
  /** After an alert went pending, fired, was acknowledged or snoozed, resolved or was cancelled. */
  alertChanged: 'pmd_alert_changed',
} as const;

/** Campaign ids an events-ingested payload lists at most (`truncated` says when more were left off): 8000 bytes. */
export const NOTIFY_MAX_CAMPAIGNS = 20;

export const EventsIngestedPayloadSchema = z.object({
  /** Events stored by the batch. */
  stored: z.number().int().nonnegative(),
  /** Distinct campaign ids in the batch (at most a few dozen are listed; `truncated` says when more were left off). */
  campaignIds: z.array(z.string()),
  truncated: z.boolean(),
  /** Oldest and newest event time in the batch (ISO-8601). */
  minTs: z.string(),
  maxTs: z.string(),
});
export type EventsIngestedPayload = z.infer<typeof EventsIngestedPayloadSchema>;

export const RollupsChangedPayloadSchema = z.object({
  grain: z.enum(['hour', 'day']),
  /** Buckets whose rollup row the run changed (recomputed rows that came out equal are not counted). */
  buckets: z.number().int().nonnegative(),
  /** Start of the oldest and the newest changed bucket (ISO-8601). */
  from: z.string(),
  to: z.string(),
});
export type RollupsChangedPayload = z.infer<typeof RollupsChangedPayloadSchema>;

/** Every status of `alerts.status` (CHECKed in SQL): pending and cancelled come from rules with a pending period. */
export const ALERT_STATUSES = ['pending', 'firing', 'acknowledged', 'resolved', 'cancelled'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export const AlertChangedPayloadSchema = z.object({
  alertId: z.number().int().positive(),
  status: z.enum(ALERT_STATUSES),
});
export type AlertChangedPayload = z.infer<typeof AlertChangedPayloadSchema>;

/** The schema of each channel's payload. */
export const NOTIFY_PAYLOADS = {
  [NOTIFY_CHANNELS.eventsIngested]: EventsIngestedPayloadSchema,
  [NOTIFY_CHANNELS.rollupsChanged]: RollupsChangedPayloadSchema,
  [NOTIFY_CHANNELS.alertChanged]: AlertChangedPayloadSchema,
} as const;
