import { COUNTERS, ratio, type CounterName } from '@pmd/domain';
import type pg from 'pg';
import type { KpiFilter } from './kpi-window.ts';
import { sqlSums, windowTotals, type KpiSumsSource } from './sums-source.ts';
import type { TimeWindow } from './windows.ts';

export type FunnelStageName = (typeof FUNNEL_STAGES)[number]['stage'];

export interface FunnelStage {
  stage: FunnelStageName;
  label: string;
  count: number;
  /** null for the first stage; 0 when the previous stage is 0 (the original's ratio rule). */
  conversionFromPrevious: number | null;
  conversionFromTop: number;
}

export interface Funnel {
  window: TimeWindow;
  stages: FunnelStage[];
}

/**
 * The funnel is a chosen sequence of registry counters (not every counter is a step: spend is not); each stage's
 * label is its counter's. A new count counter joins the funnel only by being listed here.
 */
export const FUNNEL_STAGES = [
  { stage: 'IMPRESSION', counter: 'impressions' },
  { stage: 'CLICK', counter: 'clicks' },
  { stage: 'SIGNUP', counter: 'signups' },
  { stage: 'ACTIVATION', counter: 'activations' },
] as const satisfies readonly { stage: string; counter: CounterName }[];

/** The four stages of the ad → acquisition funnel with step and overall conversion (`source`: default the database). */
export async function funnel(
  pool: pg.Pool,
  window: TimeWindow,
  filter: KpiFilter = {},
  source: KpiSumsSource = sqlSums(pool),
): Promise<Funnel> {
  const sums = await windowTotals(source, window, filter);
  const counts = FUNNEL_STAGES.map(({ counter }) => sums[counter]);
  const top = counts[0]!;
  return {
    window,
    stages: FUNNEL_STAGES.map(({ stage, counter }, index) => ({
      stage,
      label: COUNTERS[counter].label,
      count: counts[index]!,
      conversionFromPrevious: index === 0 ? null : ratio(counts[index]!, counts[index - 1]!),
      conversionFromTop: ratio(counts[index]!, top),
    })),
  };
}
