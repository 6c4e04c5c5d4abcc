import { MIN_RATIO_DENOMINATOR } from '@pmd/domain';
import { describe, expect, it } from 'vitest';
import { trendPanels, type TrendBucket } from './trend.ts';

const HOUR = 3_600_000;
const START = Date.parse('2026-11-25T08:00:00Z');

function bucket(index: number, counts: { impressions?: number; clicks?: number; signups?: number }, partial = false) {
  const { impressions = 0, clicks = 0, signups = 0 } = counts;
  return {
    bucket: new Date(START + index * HOUR).toISOString(),
    bucketEnd: new Date(START + (index + 1) * HOUR).toISOString(),
    partial,
    totals: {
      impressions,
      clicks,
      signups,
      ctr: impressions ? clicks / impressions : 0,
      clickToSignup: clicks ? signups / clicks : 0,
      signupToActivation: 0,
    },
  } satisfies TrendBucket;
}

const busy = { impressions: 1000, clicks: 50, signups: 25 };

describe('trendPanels', () => {
  it('gives one panel per ratio, each with its own label', () => {
    expect(trendPanels([]).map((panel) => [panel.ratio, panel.label, panel.denominatorLabel])).toEqual([
      ['ctr', 'CTR', 'impressions'],
      ['clickToSignup', 'Click → signup', 'clicks'],
      ['signupToActivation', 'Signup → activation', 'signups'],
    ]);
  });

  it('draws no point for buckets before the first data, nor for thin buckets, instead of 0 %', () => {
    const [ctr, clickToSignup] = trendPanels([
      bucket(0, {}),
      bucket(1, {}),
      bucket(2, busy),
      bucket(3, { impressions: 400, clicks: MIN_RATIO_DENOMINATOR - 1, signups: 3 }),
      bucket(4, busy),
    ]);
    expect(ctr!.solid).toEqual([null, null, 0.05, 19 / 400, 0.05]);
    expect(clickToSignup!.solid).toEqual([null, null, 0.5, null, 0.5]);
    expect(clickToSignup!.points[3]).toMatchObject({ value: null, denominator: MIN_RATIO_DENOMINATOR - 1 });
  });

  it('draws partial buckets dashed, joined to their whole neighbours, and never on the solid line', () => {
    const [ctr] = trendPanels([bucket(0, busy, true), bucket(1, busy), bucket(2, busy), bucket(3, busy, true)]);
    expect(ctr!.solid).toEqual([null, 0.05, 0.05, null]);
    expect(ctr!.dashed).toEqual([0.05, 0.05, 0.05, 0.05]);
    expect(ctr!.points.map((point) => point.partial)).toEqual([true, false, false, true]);
    const [middle] = trendPanels([
      bucket(0, busy),
      bucket(1, busy),
      bucket(2, busy),
      bucket(3, busy),
      bucket(4, busy, true),
    ]);
    expect(middle!.dashed).toEqual([null, null, null, 0.05, 0.05]);
  });
});
