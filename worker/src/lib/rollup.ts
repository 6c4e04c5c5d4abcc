import type { RollupsChangedPayload } from '@pmd/db';
import type pg from 'pg';
import {
  DRAIN_DAILY_SQL,
  DRAIN_HOURLY_SQL,
  NOTIFY_SQL,
  RANGE_DAILY_SQL,
  RANGE_HOURLY_SQL,
  RANGE_LOCK_SQL,
  RANGE_MINUTE_SQL,
  ROLLUP_LOCK_SQL,
} from './rollup-sql.ts';
import { inTransaction } from './transaction.ts';

export interface RollupResult {
  /** Buckets recomputed (distinct keys drained or found in the range). */
  recomputed: number;
  /** Buckets whose row was written or removed. */
  changed: number;
  /** Oldest and newest changed bucket (ISO-8601), null when nothing changed. */
  from: string | null;
  to: string | null;
}

type Grain = RollupsChangedPayload['grain'];

async function recompute(client: pg.ClientBase, grain: Grain, sql: string, params: unknown[]): Promise<RollupResult> {
  const { rows } = await client.query<RollupResult>(sql, params);
  const result = rows[0] ?? { recomputed: 0, changed: 0, from: null, to: null };
  if (result.changed > 0 && result.from && result.to) {
    const payload: RollupsChangedPayload = { grain, buckets: result.changed, from: result.from, to: result.to };
    await client.query(NOTIFY_SQL, [JSON.stringify(payload)]);
  }
  return result;
}

/** metrics_hourly: one transaction that drains the dirty-hour queue and rewrites those hours (see rollup-sql.ts). */
export function drainHourly(client: pg.ClientBase): Promise<RollupResult> {
  return inTransaction(client, async () => {
    // Concurrent runs take turns; the drain statement then sees every commit before it (READ COMMITTED).
    await client.query(ROLLUP_LOCK_SQL.hour);
    return recompute(client, 'hour', DRAIN_HOURLY_SQL, []);
  });
}

/** metrics_daily: one transaction that drains the dirty-day queue and rewrites those days. */
export function drainDaily(client: pg.ClientBase): Promise<RollupResult> {
  return inTransaction(client, async () => {
    await client.query(ROLLUP_LOCK_SQL.day);
    return recompute(client, 'day', DRAIN_DAILY_SQL, []);
  });
}

export interface RangeRebuildResult {
  minuteRows: number;
  hourly: RollupResult;
  daily: RollupResult;
}

/**
 * Rebuilds [from, to) — whole UTC days — from raw_events: minute rows, then hourly, then daily, in one transaction.
 * Idempotent: rebuilding the same range again leaves every row as it is.
 */
export function rebuildRange(client: pg.ClientBase, from: Date, to: Date): Promise<RangeRebuildResult> {
  return inTransaction(client, async () => {
    const [hourLock, dayLock, rangeLock] = RANGE_LOCK_SQL;
    await client.query(hourLock);
    await client.query(dayLock);
    await client.query(rangeLock, [from.toISOString()]);
    const [clearMinutes, fillMinutes] = RANGE_MINUTE_SQL;
    await client.query(clearMinutes, [from, to]);
    const minutes = await client.query(fillMinutes, [from, to]);
    const hourly = await recompute(client, 'hour', RANGE_HOURLY_SQL, [from, to]);
    const daily = await recompute(client, 'day', RANGE_DAILY_SQL, [from, to]);
    return { minuteRows: minutes.rowCount ?? 0, hourly, daily };
  });
}
