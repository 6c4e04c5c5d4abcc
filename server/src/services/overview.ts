import {
  hasEvents,
  kpisFromSums,
  METRIC_NAMES,
  metricChange,
  type Kpis,
  type MetricChange,
  type MetricName,
} from '@pmd/domain';
import type pg from 'pg';
import { comparisonWindow, PREVIOUS_PERIOD, type ComparisonInput, type ComparisonKind } from './comparison.ts';
import type { KpiFilter } from './kpi-window.ts';
import { sqlSums, windowTotals, type KpiSumsSource } from './sums-source.ts';
import type { TimeWindow } from './windows.ts';

/** Relative change per metric: (current − previous) / previous, null when there is nothing to compare against. */
export type KpiChange = Record<MetricName, number | null>;

export interface Overview {
  window: TimeWindow;
  comparison: ComparisonKind;
  comparisonWindow: TimeWindow;
  /** False when the comparison window holds no event: then no change is told (`changes` carry nulls). */
  comparisonHasData: boolean;
  current: Kpis;
  previous: Kpis;
  change: KpiChange;
  changes: MetricChange[];
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

/** Every metric's change; against an empty window only the values, since "−100%" or "+5 from 0" would be noise. */
function metricChanges(current: Kpis, previous: Kpis, comparable: boolean): MetricChange[] {
  return METRIC_NAMES.map((name) =>
    comparable
      ? metricChange(name, current[name], previous[name])
      : { ...metricChange(name, current[name], null), previous: previous[name] },
  );
}

/**
 * The KPI cards: totals of the window and of its comparison window (by default the previous window of equal length),
 * and the change between them. Throws InvalidArgumentError for a bad custom comparison. `sums`: where the counter sums
 * come from (default: the database).
 */
export async function overview(
  pool: pg.Pool,
  window: TimeWindow,
  filter: KpiFilter = {},
  compareTo: ComparisonInput = PREVIOUS_PERIOD,
  sums: KpiSumsSource = sqlSums(pool),
): Promise<Overview> {
  // The comparison is read under the same retention as the window (its coverage is reported too).
  const base = { ...comparisonWindow(window, compareTo), kept: window.kept };
  const [current, previous] = await Promise.all([windowTotals(sums, window, filter), windowTotals(sums, base, filter)]);
  const currentKpis = kpisFromSums(current);
  const previousKpis = kpisFromSums(previous);
  const comparisonHasData = hasEvents(previous);
  return {
    window,
    comparison: compareTo.kind,
    comparisonWindow: base,
    comparisonHasData,
    current: currentKpis,
    previous: previousKpis,
    change: kpiChange(currentKpis, previousKpis),
    changes: metricChanges(currentKpis, previousKpis, comparisonHasData),
  };
}
