import { RETENTION_DAYS } from './limits.ts';

/**
 * How long raw events and minute rows are kept, defined once: the worker drops raw-event partitions and trims minute
 * rows by these horizons, ingest refuses events older than the raw horizon, and reads say where a window reaches past
 * them. Both horizons are UTC midnights, because raw events are partitioned by UTC day and dropped a whole day at a
 * time.
 */
export interface RetentionSettings {
  /** Whole UTC days of raw events kept before today's (unset: every event is kept). */
  rawEventsDays?: number | undefined;
  /** Whole UTC days of minute rows kept before today's, once their hours are rolled up (unset: all are kept). */
  minuteRowsDays?: number | undefined;
}

const DAY_MS = 86_400_000;

/** Start of the UTC day `days` days before `now`'s UTC day. */
function utcMidnightDaysBefore(now: Date, days: number): Date {
  return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - days * DAY_MS);
}

/**
 * The oldest instant whose raw events are kept (null: all are kept). Events stamped before it are refused by ingest,
 * and the partitions of the UTC days before it are dropped: an id refused at ingest can never come back after its
 * partition and its `event_ids` rows are gone.
 */
export function rawEventsHorizon(now: Date, settings: RetentionSettings): Date | null {
  return settings.rawEventsDays === undefined ? null : utcMidnightDaysBefore(now, settings.rawEventsDays);
}

/** The oldest instant whose minute rows are kept (null: all are kept); older minute rows of clean hours are trimmed. */
export function minuteRowsHorizon(now: Date, settings: RetentionSettings): Date | null {
  return settings.minuteRowsDays === undefined ? null : utcMidnightDaysBefore(now, settings.minuteRowsDays);
}

/** The oldest event ingest accepts: the raw horizon, or the fixed RETENTION_DAYS bound when it is later (or unset). */
export function oldestAcceptedEvent(now: Date, settings: RetentionSettings): Date {
  const fixed = new Date(now.getTime() - RETENTION_DAYS * DAY_MS);
  const raw = rawEventsHorizon(now, settings);
  return raw && raw > fixed ? raw : fixed;
}
