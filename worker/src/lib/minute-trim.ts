import { recordRetentionHorizons } from '@pmd/db';
import type pg from 'pg';

/** Minute rows deleted per statement: each chunk is its own short transaction, so ingest and rollups never wait long. */
export const TRIM_CHUNK_ROWS = 5_000;
/** Chunks per run: a backlog (a first run, a worker down for days) is worked off over several ticks. */
export const TRIM_MAX_CHUNKS = 100;

/**
 * One chunk: minute rows before the horizon ($1) whose hour is rolled up, oldest first, at most $2. An hour still in
 * rollup_dirty_hours keeps its minute rows: metrics_hourly recomputes it from them. A queue row committed after this
 * statement's snapshot cannot name a trimmed hour, because nothing writes before the horizon (ingest, spend imports
 * and minute rebuilds refuse it: `oldestRewritableInstant` in domain/src/retention.ts) and the task trims by the
 * horizon of an hour ago, so no batch accepted before the horizon moved is still in flight.
 */
const TRIM_CHUNK_SQL = `
  WITH doomed AS (
    SELECT m.campaign_id, m.channel, m.minute FROM campaign_metrics_minute m
    WHERE m.minute < $1
      AND NOT EXISTS (
        SELECT 1 FROM rollup_dirty_hours d
        WHERE d.campaign_id = m.campaign_id AND d.channel = m.channel AND d.hour = date_trunc('hour', m.minute, 'UTC'))
    ORDER BY m.minute
    LIMIT $2
    FOR UPDATE SKIP LOCKED)
  DELETE FROM campaign_metrics_minute m USING doomed
  WHERE m.campaign_id = doomed.campaign_id AND m.channel = doomed.channel AND m.minute = doomed.minute`;

export interface TrimResult {
  /** Minute rows deleted. */
  deleted: number;
  /**
   * False when the run left rows for the next one: it stopped at TRIM_MAX_CHUNKS, or the horizon had just moved and
   * has not stood long enough yet (`recordRetentionHorizons`).
   */
  finished: boolean;
}

/**
 * Records `horizon`, then, once it has stood, deletes the rolled-up minute rows before it, chunk by chunk, up to
 * TRIM_MAX_CHUNKS chunks.
 */
export async function trimMinuteRows(
  client: pg.ClientBase,
  horizon: Date,
  chunkRows = TRIM_CHUNK_ROWS,
  maxChunks = TRIM_MAX_CHUNKS,
): Promise<TrimResult> {
  // Recorded first, and trimmed only once it has stood (a later run when it just moved): a server whose own settings
  // keep more days has stopped writing minute rows before it, and counting on them, before they go.
  if (!(await recordRetentionHorizons(client, { minuteRows: horizon })).minuteRows)
    return { deleted: 0, finished: false };
  let deleted = 0;
  for (let chunk = 0; chunk < maxChunks; chunk++) {
    const { rowCount } = await client.query(TRIM_CHUNK_SQL, [horizon, chunkRows]);
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < chunkRows) return { deleted, finished: true };
  }
  return { deleted, finished: false };
}
