import type { KeptRows } from '@pmd/domain';
import type pg from 'pg';

/**
 * The `retention_horizons` row (migration 20261204150000): from when the worker's retention has removed rows. The
 * worker records a horizon before it removes anything before it; the server reads the row and counts on nothing
 * earlier, whatever its own settings say.
 */

/**
 * Moves the recorded horizons forward to `horizons` (an instant that is null, or earlier than the recorded one, leaves
 * it as it is: what was removed stays removed). The worker calls it before it removes anything, so servers can learn of
 * a removal before its rows are gone (they read the row every few seconds: services/retention-in-force.ts).
 */
export async function recordRetentionHorizons(client: pg.ClientBase, horizons: Partial<KeptRows>): Promise<void> {
  await client.query(
    `INSERT INTO retention_horizons AS r (id, raw_events_from, minute_rows_from) VALUES (1, $1, $2)
     ON CONFLICT (id) DO UPDATE
     SET raw_events_from = GREATEST(r.raw_events_from, $1), minute_rows_from = GREATEST(r.minute_rows_from, $2),
         updated_at = now()
     -- Every run of the worker's retention tasks records its horizon; the row is written only when one moves.
     WHERE r.raw_events_from IS DISTINCT FROM GREATEST(r.raw_events_from, $1)
        OR r.minute_rows_from IS DISTINCT FROM GREATEST(r.minute_rows_from, $2)`,
    [horizons.rawEvents ?? null, horizons.minuteRows ?? null],
  );
}

/** The recorded horizons (null: nothing of that level removed). */
export async function readRetentionHorizons(client: pg.Pool | pg.ClientBase): Promise<KeptRows> {
  const { rows } = await client.query<{ raw_events_from: Date | null; minute_rows_from: Date | null }>(
    'SELECT raw_events_from, minute_rows_from FROM retention_horizons WHERE id = 1',
  );
  return { rawEvents: rows[0]?.raw_events_from ?? null, minuteRows: rows[0]?.minute_rows_from ?? null };
}
