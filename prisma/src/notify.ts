/**
 * PostgreSQL NOTIFY channels shared by every process. Payloads are small JSON with ids and keys only (NOTIFY allows
 * 8000 bytes); listeners re-read rows. Writers call `pg_notify(channel, payload)` inside the transaction that made the
 * change, so a notification is delivered only when that change is committed and visible.
 */
export const NOTIFY_CHANNELS = {
  /** After each committed ingest batch. */
  eventsIngested: 'pmd_events_ingested',
  /** After a worker run changed rollup rows. */
  rollupsChanged: 'pmd_rollups_changed',
  /** After an alert fired, resolved or was acknowledged. */
  alertChanged: 'pmd_alert_changed',
} as const;

export interface EventsIngestedPayload {
  /** Events stored by the batch. */
  stored: number;
  /** Distinct campaign ids in the batch (at most a few dozen are listed; `truncated` says when more were left off). */
  campaignIds: string[];
  truncated: boolean;
  /** Oldest and newest event time in the batch (ISO-8601). */
  minTs: string;
  maxTs: string;
}

export interface RollupsChangedPayload {
  grain: 'hour' | 'day';
  /** Buckets whose rollup row the run changed (recomputed rows that came out equal are not counted). */
  buckets: number;
  /** Start of the oldest and the newest changed bucket (ISO-8601). */
  from: string;
  to: string;
}

export interface AlertChangedPayload {
  alertId: number;
  status: 'firing' | 'acknowledged' | 'resolved';
}
