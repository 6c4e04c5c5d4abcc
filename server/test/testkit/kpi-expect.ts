import { COUNTERS, isCounterName, kpisFromSums, METRIC_NAMES, ZERO_SUMS, type KpiSums } from '@pmd/domain';
import { expect } from 'vitest';

/** The KpiTotals selection used by the read tests: every metric of the registry. */
export const KPI_TOTALS_FIELDS = METRIC_NAMES.join(' ');

/** Counts exactly equal, money and ratios equal to 1e-6 (sums of decimals travel as float8), every metric present. */
export function expectTotals(
  actual: Record<string, number | null>,
  expectedSums: KpiSums | undefined,
  label = '',
): void {
  const expected = kpisFromSums(expectedSums ?? ZERO_SUMS);
  expect(Object.keys(actual).sort(), label).toEqual([...METRIC_NAMES].sort());
  for (const key of METRIC_NAMES) {
    const want = expected[key];
    if (isCounterName(key) && COUNTERS[key].unit === 'count') expect(actual[key], `${label} ${key}`).toBe(want);
    else if (want === null) expect(actual[key], `${label} ${key}`).toBeNull();
    else expect(actual[key] as number, `${label} ${key}`).toBeCloseTo(want, 6);
  }
}
