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
  /**
   * From when the worker's retention has already removed rows (the `retention_horizons` row; the server reads it). A
   * worker keeping fewer days than the days above moves the horizons later: nothing may count on rows that are gone.
   * Unset (the worker's own settings): the days alone.
   */
  removedBefore?: KeptRows | undefined;
}

const DAY_MS = 86_400_000;

/** How often each server reads the worker's recorded horizons again (server/src/services/retention-in-force.ts). */
export const RECORDED_HORIZONS_REFRESH_MS = 10_000;

/**
 * How long the worker lets a horizon it recorded stand before it removes rows before it: three of the servers' reads,
 * so every server already refuses events, and no longer counts on rows, before the horizon when they go. A server
 * whose own settings keep more days then neither reads rows that are gone nor writes a minute row into an hour whose
 * other minutes are trimmed (the hourly rollup would recompute that hour from part of it).
 */
export const RECORDED_HORIZON_SETTLE_MS = 3 * RECORDED_HORIZONS_REFRESH_MS;

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
  return later(horizonOfDays(now, settings.rawEventsDays), settings.removedBefore?.rawEvents ?? null);
}

/** The oldest instant whose minute rows are kept (null: all are kept); older minute rows of clean hours are trimmed. */
export function minuteRowsHorizon(now: Date, settings: RetentionSettings): Date | null {
  return later(horizonOfDays(now, settings.minuteRowsDays), settings.removedBefore?.minuteRows ?? null);
}

function horizonOfDays(now: Date, days: number | undefined): Date | null {
  return days === undefined ? null : utcMidnightDaysBefore(now, days);
}

/** The later of two horizons, null being "nothing removed". */
function later(a: Date | null, b: Date | null): Date | null {
  if (!a || !b) return a ?? b;
  return a > b ? a : b;
}

/** From when each storage level still holds rows (null: all of it is kept); reads plan around what is gone. */
export interface KeptRows {
  rawEvents: Date | null;
  minuteRows: Date | null;
}

export function keptRows(now: Date, settings: RetentionSettings): KeptRows {
  return { rawEvents: rawEventsHorizon(now, settings), minuteRows: minuteRowsHorizon(now, settings) };
}

/**
 * The oldest instant whose minutes can still be recomputed exactly (null: all can): raw events and minute rows both
 * exist from here on. Before it, a minute can no longer be rebuilt from raw events (they were dropped) and an hour can
 * no longer be recomputed from its minute rows (they were trimmed), so nothing may write into that past: ingest and
 * spend imports refuse it, and a spend-source switch rewrites only minutes from here on.
 */
export function oldestRewritableInstant(now: Date, settings: RetentionSettings): Date | null {
  return later(rawEventsHorizon(now, settings), minuteRowsHorizon(now, settings));
}

/** The oldest instant ingest accepts, and why, in words naming the setting that sets it. */
export interface AcceptanceLimit {
  oldest: Date;
  /** E.g. "raw events are kept 7 days (RAW_EVENTS_RETENTION_DAYS)". */
  because: string;
}

/**
 * The oldest event (or imported spend period) ingest accepts: the later of the fixed RETENTION_DAYS bound and
 * `oldestRewritableInstant`, with the rule that sets it.
 */
export function acceptanceLimit(now: Date, settings: RetentionSettings): AcceptanceLimit {
  const fixed: AcceptanceLimit = {
    oldest: new Date(now.getTime() - RETENTION_DAYS * DAY_MS),
    because: `events are accepted at most ${RETENTION_DAYS} days old`,
  };
  const raw = horizonOfDays(now, settings.rawEventsDays);
  const minutes = horizonOfDays(now, settings.minuteRowsDays);
  const removed = settings.removedBefore;
  const limits = [fixed];
  if (raw) {
    limits.push({
      oldest: raw,
      because: `raw events are kept ${days(settings.rawEventsDays!)} (RAW_EVENTS_RETENTION_DAYS)`,
    });
  }
  if (minutes) {
    limits.push({
      oldest: minutes,
      because: `minute rows are kept ${days(settings.minuteRowsDays!)} (MINUTE_ROWS_RETENTION_DAYS)`,
    });
  }
  // After this server's own days, so that a tie keeps naming them: the worker's horizons are later only when its
  // settings keep fewer days than this server's.
  if (removed?.rawEvents) {
    limits.push({
      oldest: removed.rawEvents,
      because:
        "the worker has dropped raw events before then (its RAW_EVENTS_RETENTION_DAYS keeps fewer days than the server's)",
    });
  }
  if (removed?.minuteRows) {
    limits.push({
      oldest: removed.minuteRows,
      because:
        "the worker has trimmed minute rows before then (its MINUTE_ROWS_RETENTION_DAYS keeps fewer days than the server's)",
    });
  }
  return limits.reduce((latest, limit) => (limit.oldest > latest.oldest ? limit : latest));
}

function days(count: number): string {
  return count === 1 ? '1 day' : `${count} days`;
}

/** The oldest event ingest accepts (`acceptanceLimit` without its reason). */
export function oldestAcceptedEvent(now: Date, settings: RetentionSettings): Date {
  return acceptanceLimit(now, settings).oldest;
}
