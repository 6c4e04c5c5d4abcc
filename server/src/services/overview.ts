import { kpisFromSums, METRIC_NAMES, type Kpis, type MetricName } from '@pmd/domain';
import type pg from 'pg';
import { kpiWindowTotals, type KpiFilter } from './kpi-window.ts';
import { previousWindow, type TimeWindow } from './windows.ts';

/** Relative change per metric: (current − previous) / previous, null when there is nothing to compare against. */
export type KpiChange = Record<MetricName, number | null>;

export interface Overview {
  window: TimeWindow;
  current: Kpis;
  previous: Kpis;
  change: KpiChange;
}

function relativeChange(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null || previous === 0) return null;
  return (current - previous) / previous;
}

export function kpiChange(current: Kpis, previous: Kpis): KpiChange {
  return Object.fromEntries(
    METRIC_NAMES.map((name) => [name, relativeChange(current[name], previous[name])]),
  ) as KpiChange;
}

/** The KPI cards: totals of the window and of the previous window of equal length, and the change between them. */
export async function overview(pool: pg.Pool, window: TimeWindow, filter: KpiFilter = {}): Promise<Overview> {
  const [current, previous] = await Promise.all([
    kpiWindowTotals(pool, window, filter),
    kpiWindowTotals(pool, previousWindow(window), filter),
  ]);
  const currentKpis = kpisFromSums(current);
  const previousKpis = kpisFromSums(previous);
  return { window, current: currentKpis, previous: previousKpis, change: kpiChange(currentKpis, previousKpis) };
}
