import { kpisFromSums, ZERO_SUMS, type Kpis } from '@pmd/domain';
import type pg from 'pg';
import { InvalidArgumentError } from './errors.ts';
import { kpiWindowSums, type KpiFilter } from './kpi-window.ts';
import type { RollupGrain } from './window-plan.ts';
import type { TimeWindow } from './windows.ts';

export interface TimeSeriesPoint {
  bucket: Date;
  bucketEnd: Date;
  /** The bucket is not entirely inside the window (a window edge or now cuts it). */
  partial: boolean;
  totals: Kpis;
}

export interface TimeSeries {
  window: TimeWindow;
  granularity: RollupGrain;
  points: TimeSeriesPoint[];
}

/** More points than any chart can show; also bounds the work of one request (e.g. 90 days by minute is refused). */
export const MAX_TIME_SERIES_POINTS = 20_000;

const BUCKET_MS: Record<RollupGrain, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** UTC buckets touching the window, oldest first; buckets without data are zeros. */
export async function timeSeries(
  pool: pg.Pool,
  window: TimeWindow,
  granularity: RollupGrain,
  filter: KpiFilter = {},
): Promise<TimeSeries> {
  const step = BUCKET_MS[granularity];
  const first = Math.floor(window.from.getTime() / step) * step;
  const count = Math.ceil((window.to.getTime() - first) / step);
  if (count > MAX_TIME_SERIES_POINTS) {
    throw new InvalidArgumentError(
      `A ${granularity} series over this window has ${count} points; at most ${MAX_TIME_SERIES_POINTS} are allowed: choose a coarser granularity or a shorter window.`,
      'granularity',
    );
  }
  const rows = await kpiWindowSums(pool, window, filter, { bucket: granularity });
  const byBucket = new Map(rows.map(({ bucket, ...sums }) => [bucket!.getTime(), sums]));
  const points = Array.from({ length: count }, (_, index) => {
    const bucket = first + index * step;
    return {
      bucket: new Date(bucket),
      bucketEnd: new Date(bucket + step),
      partial: bucket < window.from.getTime() || bucket + step > window.to.getTime(),
      totals: kpisFromSums(byBucket.get(bucket) ?? ZERO_SUMS),
    };
  });
  return { window, granularity, points };
}
