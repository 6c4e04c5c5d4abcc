import { COUNTER_NAMES, rollupField } from '@pmd/domain';
import { describe, expect, it } from 'vitest';
import { metricRow, sumByBucket } from './metric-rows.ts';

/** Every counter of the registry at 0, as the API sends a row, with the ones a test cares about. */
const ZERO_FIELDS = Object.fromEntries(COUNTER_NAMES.map((name) => [rollupField(name), 0]));

const row = (bucket: string, channel: string, impressions: number, clicks: number) =>
  metricRow(bucket, channel, { ...ZERO_FIELDS, impressions, clicks, cost: 0.5, totalCost: 1 });

describe('metricRow', () => {
  it('reads counters from their rollup fields and computes every KPI with the registry formulas', () => {
    expect(row('2026-11-25', 'email', 100, 10)).toMatchObject({
      clickCost: 0.5,
      spend: 1,
      ctr: 0.1,
      clickToSignup: 0,
      cpc: 0.1,
      costPerSignup: null,
    });
  });

  it('refuses a row without a counter (a document that forgot to select it)', () => {
    expect(() => metricRow('2026-11-25', 'email', { impressions: 1 })).toThrow(/without clicks/);
  });
});

describe('sumByBucket', () => {
  it('sums channels per bucket and recomputes ratios from the sums', () => {
    const sums = sumByBucket([
      row('2026-11-25', 'email', 100, 10),
      row('2026-11-24', 'meta', 10, 0),
      row('2026-11-25', 'meta', 900, 9),
    ]);
    expect(sums.map((s) => s.bucket)).toEqual(['2026-11-24', '2026-11-25']);
    expect(sums[1]).toMatchObject({ impressions: 1000, clicks: 19, spend: 2, ctr: 0.019 });
  });
});
