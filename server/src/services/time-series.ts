import { kpisFromSums, ZERO_SUMS, type Kpis } from '@pmd/domain';
import type pg from 'pg';
import { InvalidArgumentError } from './errors.ts';
import { kpiWindowSums, windowBucketBoundaries, windowCoverage, type KpiFilter } from './kpi-window.ts';
import type { RollupGrain } from './window-plan.ts';
import type { TimeWindow } from './windows.ts';

export interface TimeSeriesPoint {
  bucket: Date;
  bucketEnd: Date;
  /** The bucket is not entirely inside the window's answered part (a window edge, now or retention cuts it). */
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

const MINUTE_MS = 60_000;

/** Bucket starts and ends covering the window: UTC minutes, or the local hours or days of the window's zone. */
function bucketsOf(window: TimeWindow, granularity: RollupGrain): Date[] {
  if (granularity !== 'minute') return windowBucketBoundaries(window, granularity);
  const first = Math.floor(window.from.getTime() / MINUTE_MS) * MINUTE_MS;
  const count = Math.ceil((window.to.getTime() - first) / MINUTE_MS);
  return Array.from({ length: count + 1 }, (_, index) => new Date(first + index * MINUTE_MS));
}

/**
 * Buckets touching the window, oldest first; buckets without data are zeros. Hours and days are the local ones of the
 * window's zone (a New York day is 23 or 25 hours at a DST change, a Kolkata hour starts at :30 UTC).
 */
export async function timeSeries(
  pool: pg.Pool,
  window: TimeWindow,
  granularity: RollupGrain,
  filter: KpiFilter = {},
): Promise<TimeSeries> {
  // Refuse before computing anything: a minute series is the only one that can be too long (90 days of hours: 2,160).
  const estimate = Math.ceil((window.to.getTime() - window.from.getTime()) / MINUTE_MS) + 1;
  if (granularity === 'minute' && estimate > MAX_TIME_SERIES_POINTS) {
    throw new InvalidArgumentError(
      `A ${granularity} series over this window has ${estimate} points; at most ${MAX_TIME_SERIES_POINTS} are allowed: choose a coarser granularity or a shorter window.`,
      'granularity',
    );
  }
  const edges = bucketsOf(window, granularity);
  const rows = await kpiWindowSums(pool, window, filter, { bucket: granularity });
  // Only the answered part is summed (all of the window unless retention removed rows an edge needs).
  const { answered } = windowCoverage(window, granularity);
  const byBucket = new Map(rows.map(({ bucket, ...sums }) => [bucket!.getTime(), sums]));
  const points = edges.slice(0, -1).map((bucket, index) => {
    const bucketEnd = edges[index + 1]!;
    return {
      bucket,
      bucketEnd,
      partial: bucket < answered.from || bucketEnd > answered.to,
      totals: kpisFromSums(byBucket.get(bucket.getTime()) ?? ZERO_SUMS),
    };
  });
  return { window, granularity, points };
}
