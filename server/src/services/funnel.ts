import { ratio } from '@pmd/db';
import type pg from 'pg';
import { kpiWindowTotals, type KpiFilter } from './kpi-window.ts';
import type { TimeWindow } from './windows.ts';

export type FunnelStageName = 'IMPRESSION' | 'CLICK' | 'SIGNUP' | 'ACTIVATION';

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

const STAGES = [
  { stage: 'IMPRESSION', label: 'Impressions', sum: 'impressions' },
  { stage: 'CLICK', label: 'Clicks', sum: 'clicks' },
  { stage: 'SIGNUP', label: 'Signups', sum: 'signups' },
  { stage: 'ACTIVATION', label: 'Activations', sum: 'activations' },
] as const;

/** The four stages of the ad → acquisition funnel with step and overall conversion. */
export async function funnel(pool: pg.Pool, window: TimeWindow, filter: KpiFilter = {}): Promise<Funnel> {
  const sums = await kpiWindowTotals(pool, window, filter);
  const counts = STAGES.map(({ sum }) => sums[sum]);
  const top = counts[0]!;
  return {
    window,
    stages: STAGES.map(({ stage, label }, index) => ({
      stage,
      label,
      count: counts[index]!,
      conversionFromPrevious: index === 0 ? null : ratio(counts[index]!, counts[index - 1]!),
      conversionFromTop: ratio(counts[index]!, top),
    })),
  };
}
