import { kpisFromSums, type KpiSums } from '@pmd/db';
import { expect } from 'vitest';

/** The KpiTotals selection used by the read tests. */
export const KPI_TOTALS_FIELDS = `impressions clicks signups activations ctr clickToSignup signupToActivation spend clickCost
  cpc cpm costPerSignup costPerActivation`;

const ZERO: KpiSums = { impressions: 0, clicks: 0, signups: 0, activations: 0, clickCost: 0, spend: 0 };

/** Counts exactly equal, money and ratios equal to 1e-6 (sums of decimals travel as float8). */
export function expectTotals(
  actual: Record<string, number | null>,
  expectedSums: KpiSums | undefined,
  label = '',
): void {
  const expected = kpisFromSums(expectedSums ?? ZERO);
  for (const key of ['impressions', 'clicks', 'signups', 'activations'] as const) {
    expect(actual[key], `${label} ${key}`).toBe(expected[key]);
  }
  for (const key of [
    'spend',
    'clickCost',
    'ctr',
    'clickToSignup',
    'signupToActivation',
    'cpc',
    'cpm',
    'costPerSignup',
    'costPerActivation',
  ] as const) {
    const want = expected[key];
    if (want === null) expect(actual[key], `${label} ${key}`).toBeNull();
    else expect(actual[key] as number, `${label} ${key}`).toBeCloseTo(want, 6);
  }
}
