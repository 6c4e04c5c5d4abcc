import { describe, expect, it } from 'vitest';
import { kpisFromSums, MIN_RATIO_DENOMINATOR, ratio, ratioDenominator, hasRatioVolume, ZERO_SUMS } from './kpi.ts';

describe('KPI formulas', () => {
  it('divides, and gives 0 for a zero denominator as the original did', () => {
    expect(ratio(3, 4)).toBe(0.75);
    expect(ratio(3, 0)).toBe(0);
  });

  it('gives a ratio only from enough of its denominator', () => {
    const sums = { impressions: MIN_RATIO_DENOMINATOR, clicks: MIN_RATIO_DENOMINATOR - 1 };
    expect(hasRatioVolume('ctr', sums)).toBe(true);
    expect(hasRatioVolume('clickToSignup', sums)).toBe(false);
    expect(hasRatioVolume('signupToActivation', sums)).toBe(false);
    expect(ratioDenominator('clickToSignup')).toBe('clicks');
    expect(ratioDenominator('signupToActivation')).toBe('signups');
  });

  it('computes every KPI from sums', () => {
    const kpis = kpisFromSums({
      ...ZERO_SUMS,
      impressions: 1000,
      clicks: 40,
      signups: 8,
      activations: 4,
      clickCost: 30,
      spend: 32,
    });
    expect(kpis).toMatchObject({
      ctr: 0.04,
      clickToSignup: 0.2,
      signupToActivation: 0.5,
      cpc: 0.8,
      cpm: 32,
      costPerSignup: 4,
      costPerActivation: 8,
    });
  });

  it('leaves costs per unit undefined when there are no units', () => {
    expect(kpisFromSums(ZERO_SUMS)).toMatchObject({
      ctr: 0,
      cpc: null,
      cpm: null,
      costPerSignup: null,
      costPerActivation: null,
    });
  });
});
