import { RECORDED_HORIZON_SETTLE_MS, type KeptRows } from '@pmd/domain';
import type pg from 'pg';

/**
 * The `retention_horizons` row (migrations 20261204150000 and 20261204180000): from when the worker's retention
 * removes rows, and when each horizon last moved. The worker records a horizon, waits until it has stood
 * RECORDED_HORIZON_SETTLE_MS, then removes rows before it; the server reads the row and counts on nothing earlier,
 * whatever its own settings say.
 */

/** Per level, whether the worker may now remove rows before the horizon it recorded. */
export interface RemovableLevels {
  rawEvents: boolean;
  minuteRows: boolean;
}

/**
 * Moves the recorded horizons forward to `horizons` (an instant that is null, or earlier than the recorded one, leaves
 * it as it is: what was removed stays removed), stamping each one that moves. Answers, per level given, whether the
 * recorded horizon (at or past the given one) has stood for RECORDED_HORIZON_SETTLE_MS by the database's clock: only
 * then have all servers read it (services/retention-in-force.ts), so only then may rows before the given horizon go;
 * rows before a horizon that moved just now go on a later run.
 */
export async function recordRetentionHorizons(
  client: pg.ClientBase,
  horizons: Partial<KeptRows>,
): Promise<RemovableLevels> {
  const values = [horizons.rawEvents ?? null, horizons.minuteRows ?? null];
  await client.query(
    `INSERT INTO retention_horizons AS r (id, raw_events_from, raw_events_recorded_at, minute_rows_from,
                                          minute_rows_recorded_at)
     VALUES (1, $1, CASE WHEN $1::timestamptz IS NOT NULL THEN now() END,
                $2, CASE WHEN $2::timestamptz IS NOT NULL THEN now() END)
     ON CONFLICT (id) DO UPDATE
     SET raw_events_from = GREATEST(r.raw_events_from, $1),
         raw_events_recorded_at = CASE WHEN r.raw_events_from IS DISTINCT FROM GREATEST(r.raw_events_from, $1)
                                       THEN now() ELSE r.raw_events_recorded_at END,
         minute_rows_from = GREATEST(r.minute_rows_from, $2),
         minute_rows_recorded_at = CASE WHEN r.minute_rows_from IS DISTINCT FROM GREATEST(r.minute_rows_from, $2)
                                        THEN now() ELSE r.minute_rows_recorded_at END
     -- Every run of the worker's retention tasks records its horizon; the row is written only when one moves.
     WHERE r.raw_events_from IS DISTINCT FROM GREATEST(r.raw_events_from, $1)
        OR r.minute_rows_from IS DISTINCT FROM GREATEST(r.minute_rows_from, $2)`,
    values,
  );
  // Read in a statement of its own: a statement does not see its own writes.
  const { rows } = await client.query<RemovableLevels>(
    `SELECT coalesce(raw_events_from >= $1 AND raw_events_recorded_at <= now() - $3 * interval '1 millisecond', false)
              AS "rawEvents",
            coalesce(minute_rows_from >= $2 AND minute_rows_recorded_at <= now() - $3 * interval '1 millisecond', false)
              AS "minuteRows"
     FROM retention_horizons WHERE id = 1`,
    [...values, RECORDED_HORIZON_SETTLE_MS],
  );
  return rows[0] ?? { rawEvents: false, minuteRows: false };
}

/** The recorded horizons (null: nothing of that level removed). */
export async function readRetentionHorizons(client: pg.Pool | pg.ClientBase): Promise<KeptRows> {
  const { rows } = await client.query<{ raw_events_from: Date | null; minute_rows_from: Date | null }>(
    'SELECT raw_events_from, minute_rows_from FROM retention_horizons WHERE id = 1',
  );
  return { rawEvents: rows[0]?.raw_events_from ?? null, minuteRows: rows[0]?.minute_rows_from ?? null };
}
