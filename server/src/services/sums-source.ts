import type { KpiSums } from '@pmd/domain';
import type pg from 'pg';
import { kpiWindowSums, type KpiFilter, type KpiGrouping, type KpiSumsRow } from './kpi-window.ts';
import type { TimeWindow } from './windows.ts';

/**
 * Where a view's counter sums come from: the database (`sqlSums`), or a live view's memory of recent minute rows.
 * The services keep their formulas; only the sums are pluggable, with kpiWindowSums' contract (one row per group that
 * had data; no grouping = one overall row).
 */
export type KpiSumsSource = (window: TimeWindow, filter: KpiFilter, grouping: KpiGrouping) => Promise<KpiSumsRow[]>;

export const sqlSums =
  (pool: pg.Pool): KpiSumsSource =>
  (window, filter, grouping) =>
    kpiWindowSums(pool, window, filter, grouping);

/** Overall sums of a window from `source`. */
export async function windowTotals(source: KpiSumsSource, window: TimeWindow, filter: KpiFilter): Promise<KpiSums> {
  const [row] = await source(window, filter, {});
  const { campaignId: _campaign, channel: _channel, bucket: _bucket, ...sums } = row!;
  return sums;
}
