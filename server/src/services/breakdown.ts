import {
  DEFAULT_HEALTH_THRESHOLDS,
  healthStatus,
  kpisFromSums,
  METRIC_BY_ENUM_NAME,
  type Kpis,
  type MetricEnumName,
} from '@pmd/domain';
import type pg from 'pg';
import { kpiWindowSums, type KpiFilter } from './kpi-window.ts';
import type { TimeWindow } from './windows.ts';

export type BreakdownDimension = 'CAMPAIGN' | 'CHANNEL' | 'CAMPAIGN_CHANNEL';
/** A sort key per registry metric: `CLICKS`, `CLICK_TO_SIGNUP`, … (see `enumName`). */
export type BreakdownSort = MetricEnumName;

export interface BreakdownRow {
  campaignId: string | null;
  channel: string | null;
  totals: Kpis;
  status: 'HEALTHY' | 'AT_RISK';
  statusReasons: string[];
}

export interface Breakdown {
  window: TimeWindow;
  dimension: BreakdownDimension;
  rows: BreakdownRow[];
}

export interface BreakdownOptions {
  by?: BreakdownDimension;
  sortBy?: BreakdownSort;
  descending?: boolean;
  thresholds?: typeof DEFAULT_HEALTH_THRESHOLDS;
}

/** Per campaign, channel or both: totals, the original's health status, sorted (ties by key, nulls last). */
export async function breakdown(
  pool: pg.Pool,
  window: TimeWindow,
  filter: KpiFilter = {},
  {
    by = 'CAMPAIGN_CHANNEL',
    sortBy = 'CLICKS',
    descending = true,
    thresholds = DEFAULT_HEALTH_THRESHOLDS,
  }: BreakdownOptions = {},
): Promise<Breakdown> {
  const sums = await kpiWindowSums(pool, window, filter, { campaign: by !== 'CHANNEL', channel: by !== 'CAMPAIGN' });
  const rows = sums.map(({ campaignId, channel, ...rest }) => {
    const totals = kpisFromSums(rest);
    const health = healthStatus(totals, thresholds);
    return {
      campaignId: campaignId ?? null,
      channel: channel ?? null,
      totals,
      status: health.status,
      statusReasons: health.reasons,
    };
  });
  const key = METRIC_BY_ENUM_NAME[sortBy];
  const label = (row: BreakdownRow) => `${row.campaignId ?? ''}\u0000${row.channel ?? ''}`;
  rows.sort((a, b) => {
    const [x, y] = [a.totals[key], b.totals[key]];
    if (x !== y) {
      if (x === null) return 1;
      if (y === null) return -1;
      return descending ? y - x : x - y;
    }
    return label(a) < label(b) ? -1 : label(a) > label(b) ? 1 : 0;
  });
  return { window, dimension: by, rows };
}
