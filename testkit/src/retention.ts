import { RECORDED_HORIZON_SETTLE_MS } from '@pmd/domain';
import type pg from 'pg';

/**
 * Backdates the worker's recorded horizons by RECORDED_HORIZON_SETTLE_MS, as if the servers' reads of them had passed
 * since: the worker's next retention run removes rows before them instead of waiting.
 */
export async function letRecordedHorizonsStand(db: pg.Pool | pg.ClientBase): Promise<void> {
  await db.query(
    `UPDATE retention_horizons
     SET raw_events_recorded_at = raw_events_recorded_at - $1 * interval '1 millisecond',
         minute_rows_recorded_at = minute_rows_recorded_at - $1 * interval '1 millisecond'`,
    [RECORDED_HORIZON_SETTLE_MS],
  );
}
