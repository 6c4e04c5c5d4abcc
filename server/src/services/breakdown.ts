import {
  DEFAULT_HEALTH_THRESHOLDS,
  HEALTH_RATIO_NAMES,
  HEALTH_RATIOS,
  healthOf,
  judgeRatio,
  judgingMinutes,
  kpisFromSums,
  METRIC_BY_ENUM_NAME,
  type Health,
  type HealthCheck,
  type HealthRatioName,
  type HealthThresholds,
  type Kpis,
  type KpiSums,
  type MetricEnumName,
} from '@pmd/domain';
import type pg from 'pg';
import { judgingDelays, type JudgingDelays } from './conversion-delays.ts';
import type { KpiFilter } from './kpi-window.ts';
import { sqlSums, type KpiSumsSource } from './sums-source.ts';
import { MINUTE_MS, windowMinutes, type TimeWindow } from './windows.ts';

export type BreakdownDimension = 'CAMPAIGN' | 'CHANNEL' | 'CAMPAIGN_CHANNEL';
/** A sort key per registry metric: `CLICKS`, `CLICK_TO_SIGNUP`, … (see `enumName`). */
export type BreakdownSort = MetricEnumName;

export interface BreakdownTotalsRow {
  campaignId: string | null;
  channel: string | null;
  totals: Kpis;
}

export interface BreakdownRow extends BreakdownTotalsRow {
  health: Health;
}

export interface Breakdown<Row extends BreakdownTotalsRow = BreakdownRow> {
  window: TimeWindow;
  dimension: BreakdownDimension;
  rows: Row[];
}

export interface BreakdownTotalsOptions {
  by?: BreakdownDimension;
  sortBy?: BreakdownSort;
  descending?: boolean;
  /** Where the counter sums come from (default: the database). */
  sums?: KpiSumsSource;
}

export interface BreakdownOptions extends BreakdownTotalsOptions {
  thresholds?: HealthThresholds;
  /** The steps' delays; default: measured from the data (`judgingDelays`). */
  delays?: JudgingDelays;
}

/**
 * Per campaign, channel or both: totals and the health status, sorted (ties by key, nulls last). Each health ratio
 * is judged over its own window ending where the view ends, long enough for its step's delay (`judgingMinutes`):
 * the row's totals stay those of the view.
 */
export async function breakdown(
  pool: pg.Pool,
  window: TimeWindow,
  filter: KpiFilter = {},
  { thresholds = DEFAULT_HEALTH_THRESHOLDS, delays, ...options }: BreakdownOptions = {},
): Promise<Breakdown> {
  const [totals, stepDelays] = await Promise.all([
    breakdownTotals(pool, window, filter, options),
    delays ?? judgingDelays(pool),
  ]);
  const viewMinutes = windowMinutes(window);
  const minutesOf = (ratio: HealthRatioName) =>
    judgingMinutes(viewMinutes, stepDelays[HEALTH_RATIOS[ratio].step].p90Seconds);
  // One read per distinct judging length longer than the view (the view's own sums serve the rest).
  const lengths = [...new Set(HEALTH_RATIO_NAMES.map(minutesOf))].filter((minutes) => minutes !== viewMinutes);
  const sumsByLength = new Map(
    await Promise.all(
      lengths.map(async (minutes) => {
        const from = new Date(window.to.getTime() - minutes * MINUTE_MS);
        const rows = await (options.sums ?? sqlSums(pool))({ ...window, from }, filter, groupingOf(totals.dimension));
        return [
          minutes,
          new Map(rows.map((row) => [keyOf(row.campaignId ?? null, row.channel ?? null), row])),
        ] as const;
      }),
    ),
  );
  return {
    ...totals,
    rows: totals.rows.map((row) => {
      const checks: HealthCheck[] = HEALTH_RATIO_NAMES.map((ratio) => {
        const minutes = minutesOf(ratio);
        // A judging window contains the view's, so every row of the view has a row there.
        const sums: KpiSums = sumsByLength.get(minutes)?.get(keyOf(row.campaignId, row.channel)) ?? row.totals;
        return judgeRatio(ratio, sums, thresholds, minutes);
      });
      return { ...row, health: healthOf(checks) };
    }),
  };
}

const keyOf = (campaignId: string | null, channel: string | null) => `${campaignId ?? ''}\u0000${channel ?? ''}`;
const groupingOf = (by: BreakdownDimension) => ({ campaign: by !== 'CHANNEL', channel: by !== 'CAMPAIGN' });

/**
 * Per campaign, channel or both: totals only, sorted. The original's REST rows carry no status, so its realtime
 * funnel reads these without paying for the health judgement.
 */
export async function breakdownTotals(
  pool: pg.Pool,
  window: TimeWindow,
  filter: KpiFilter = {},
  { by = 'CAMPAIGN_CHANNEL', sortBy = 'CLICKS', descending = true, sums: source }: BreakdownTotalsOptions = {},
): Promise<Breakdown<BreakdownTotalsRow>> {
  const sums = await (source ?? sqlSums(pool))(window, filter, groupingOf(by));
  const rows: BreakdownTotalsRow[] = sums.map(({ campaignId, channel, ...rest }) => ({
    campaignId: campaignId ?? null,
    channel: channel ?? null,
    totals: kpisFromSums(rest),
  }));
  const key = METRIC_BY_ENUM_NAME[sortBy];
  const label = (row: BreakdownTotalsRow) => keyOf(row.campaignId, row.channel);
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
