import { ratio } from '@pmd/domain';
/** One rollup row (hourly or daily) as the campaign page shows it. */
export interface MetricRow {
  /** ISO instant of the hour, or YYYY-MM-DD of the UTC day. */
  bucket: string;
  channel: string;
  impressions: number;
  clicks: number;
  signups: number;
  activations: number;
  totalCost: number;
  ctr: number;
  clickToSignup: number;
  signupToActivation: number;
}

/** Per-channel rows summed per bucket (ratios recomputed from the sums, never averaged), oldest first. */
export function sumByBucket(rows: readonly MetricRow[]): Omit<MetricRow, 'channel'>[] {
  const byBucket = new Map<string, Omit<MetricRow, 'channel'>>();
  for (const row of rows) {
    const sum = byBucket.get(row.bucket) ?? {
      bucket: row.bucket,
      impressions: 0,
      clicks: 0,
      signups: 0,
      activations: 0,
      totalCost: 0,
      ctr: 0,
      clickToSignup: 0,
      signupToActivation: 0,
    };
    sum.impressions += row.impressions;
    sum.clicks += row.clicks;
    sum.signups += row.signups;
    sum.activations += row.activations;
    sum.totalCost += row.totalCost;
    byBucket.set(row.bucket, sum);
  }
  return [...byBucket.values()]
    .map((sum) => ({
      ...sum,
      ctr: ratio(sum.clicks, sum.impressions),
      clickToSignup: ratio(sum.signups, sum.clicks),
      signupToActivation: ratio(sum.activations, sum.signups),
    }))
    .sort((a, b) => a.bucket.localeCompare(b.bucket));
}
