import type pg from 'pg';
import { rebuildRange, type RangeRebuildResult } from './rollup.ts';

const DAY_MS = 86_400_000;

/**
 * Rebuilds minute, hourly and daily rows of each UTC day from raw_events, one transaction per day (so a long range
 * never holds one huge transaction, and an interrupted backfill keeps the days it finished). Each client works on
 * its own days, so days are rebuilt in parallel across the clients. Idempotent.
 */
export async function backfillDays(
  clients: readonly pg.ClientBase[],
  days: readonly Date[],
  onDay: (day: Date, result: RangeRebuildResult) => void = () => {},
): Promise<{ minuteRows: number; hourlyChanged: number; dailyChanged: number }> {
  const totals = { minuteRows: 0, hourlyChanged: 0, dailyChanged: 0 };
  let next = 0;
  await Promise.all(
    clients.map(async (client) => {
      for (let day = days[next++]; day; day = days[next++]) {
        const result = await rebuildRange(client, day, new Date(day.getTime() + DAY_MS));
        totals.minuteRows += result.minuteRows;
        totals.hourlyChanged += result.hourly.changed;
        totals.dailyChanged += result.daily.changed;
        onDay(day, result);
      }
    }),
  );
  return totals;
}
