import { describe, expect, it } from 'vitest';
import { sumByBucket, type MetricRow } from './metric-rows.ts';

const row = (bucket: string, channel: string, impressions: number, clicks: number): MetricRow => ({
  bucket,
  channel,
  impressions,
  clicks,
  signups: 0,
  activations: 0,
  totalCost: 1,
  ctr: clicks / impressions,
  clickToSignup: 0,
  signupToActivation: 0,
});

describe('sumByBucket', () => {
  it('sums channels per bucket and recomputes ratios from the sums', () => {
    const sums = sumByBucket([
      row('2026-11-25', 'email', 100, 10),
      row('2026-11-24', 'meta', 10, 0),
      row('2026-11-25', 'meta', 900, 9),
    ]);
    expect(sums.map((s) => s.bucket)).toEqual(['2026-11-24', '2026-11-25']);
    expect(sums[1]).toMatchObject({ impressions: 1000, clicks: 19, totalCost: 2, ctr: 0.019 });
  });
});
