import { COUNTERS, COUNTER_NAMES, KPI_NAMES, METRIC_NAMES, kpisFromSums, ZERO_SUMS, type KpiSums } from '@pmd/domain';
import { expect } from 'vitest';

/** Every metric of the registry as a GraphQL selection (`KpiTotals` has one field per counter and KPI). */
export const KPI_TOTALS_FIELDS = METRIC_NAMES.join(' ');

/**
 * Counts exactly equal, money and KPIs equal to 1e-6 (sums of decimals travel as float8); null amounts per unit null;
 * and the money KPIs once more against their own definitions (`expectMoneyKpis`).
 */
export function expectTotals(
  actual: Record<string, number | null>,
  expectedSums: KpiSums | undefined,
  label = '',
): void {
  const expected: Record<string, number | null> = kpisFromSums(expectedSums ?? ZERO_SUMS);
  for (const name of COUNTER_NAMES) {
    if (COUNTERS[name].unit === 'count') expect(actual[name], `${label} ${name}`).toBe(expected[name]);
    else expect(actual[name] as number, `${label} ${name}`).toBeCloseTo(expected[name] as number, 6);
  }
  for (const name of KPI_NAMES) {
    const want = expected[name] ?? null;
    if (want === null) expect(actual[name], `${label} ${name}`).toBeNull();
    else expect(actual[name] as number, `${label} ${name}`).toBeCloseTo(want, 6);
  }
  expectMoneyKpis(actual, expectedSums, label);
}

/**
 * The money KPIs worked out here by hand from brute-force sums, not through the registry's formulas (which
 * `expectTotals` also uses): ROAS = revenue / spend, null without spend (even with revenue); revenue per activation =
 * revenue / activations, null without activations.
 */
export function expectMoneyKpis(
  actual: Record<string, number | null>,
  expectedSums: KpiSums | undefined,
  label = '',
): void {
  const { revenue, spend, activations } = expectedSums ?? ZERO_SUMS;
  expect(actual.revenue as number, `${label} revenue`).toBeCloseTo(revenue, 6);
  if (spend === 0) expect(actual.roas, `${label} roas without spend`).toBeNull();
  else expect(actual.roas as number, `${label} roas`).toBeCloseTo(revenue / spend, 6);
  if (activations === 0) expect(actual.revenuePerActivation, `${label} revenue per activation`).toBeNull();
  else
    expect(actual.revenuePerActivation as number, `${label} revenue per activation`).toBeCloseTo(
      revenue / activations,
      6,
    );
}
