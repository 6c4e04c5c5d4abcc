import { describe, expect, it } from 'vitest';
import {
  kpisFromSums,
  MIN_RATIO_DENOMINATOR,
  perUnit,
  ratio,
  ratioDenominator,
  hasRatioVolume,
  ZERO_SUMS,
} from './kpi.ts';

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
      revenue: 96,
    });
    expect(kpis).toMatchObject({
      ctr: 0.04,
      clickToSignup: 0.2,
      signupToActivation: 0.5,
      cpc: 0.8,
      cpm: 32,
      costPerSignup: 4,
      costPerActivation: 8,
      roas: 3,
      revenuePerActivation: 24,
    });
  });

  it('divides amounts per unit: revenue per unit of spend is ROAS, null without spend even with revenue', () => {
    expect(perUnit(96, 32)).toBe(3);
    expect(perUnit(32, 1000, 1000)).toBe(32);
    expect(perUnit(5, 0)).toBeNull();
    expect(kpisFromSums({ ...ZERO_SUMS, revenue: 50, activations: 2 })).toMatchObject({
      roas: null,
      revenuePerActivation: 25,
    });
    expect(kpisFromSums({ ...ZERO_SUMS, spend: 10 }).roas).toBe(0);
  });

  it('leaves amounts per unit undefined when there are no units', () => {
    expect(kpisFromSums(ZERO_SUMS)).toMatchObject({
      ctr: 0,
      cpc: null,
      cpm: null,
      costPerSignup: null,
      costPerActivation: null,
      roas: null,
      revenuePerActivation: null,
    });
  });
});
