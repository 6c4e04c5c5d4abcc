import {
  COUNTER_NAMES,
  COUNTERS,
  KPI_NAMES,
  KPIS,
  type CounterName,
  type KpiFormula,
  type KpiName,
  type Kpis,
  type KpiSums,
} from './metrics.ts';
import type { RatioKpiName } from './alerts.ts';

export const ZERO_SUMS: KpiSums = Object.fromEntries(COUNTER_NAMES.map((name) => [name, 0])) as KpiSums;

/** numerator / denominator, or 0 when the denominator is 0 (the original's rule). */
export function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

/** amount / units × scale, or null when there are no units ("no clicks" is not "free clicks"). */
export function perUnit(amount: number, units: number, scale = 1): number | null {
  return units === 0 ? null : (amount / units) * scale;
}

/** A formula's value over some sums. */
export function evaluate(formula: KpiFormula, sums: KpiSums): number | null {
  return formula.kind === 'ratio'
    ? ratio(sums[formula.numerator], sums[formula.denominator])
    : perUnit(sums[formula.amount], sums[formula.units], formula.scale);
}

/** Every KPI of the registry from the counters' sums. */
export function kpisFromSums(sums: KpiSums): Kpis {
  const kpis: Record<string, number | null> = { ...sums };
  for (const name of KPI_NAMES) kpis[name] = evaluate(KPIS[name].formula, sums);
  return kpis as Kpis;
}

export function kpiValue(name: KpiName, sums: KpiSums): number | null {
  return evaluate(KPIS[name].formula, sums);
}

/**
 * Every registry counter of a database row holding one sum per counter under its rollup column's name (the minute,
 * hourly and daily rollups, and sums over them); pg's numeric and bigint arrive as strings.
 */
export function sumsOfRollupRow(row: Readonly<Record<string, unknown>>): KpiSums {
  return Object.fromEntries(COUNTER_NAMES.map((name) => [name, Number(row[COUNTERS[name].column])])) as KpiSums;
}

export function addSums(a: KpiSums, b: KpiSums): KpiSums {
  return Object.fromEntries(COUNTER_NAMES.map((name) => [name, a[name] + b[name]])) as KpiSums;
}

/**
 * Fewest units of a ratio's denominator (impressions for CTR, clicks for click → signup, signups for signup →
 * activation) for a chart to draw the ratio: below it one event moves the ratio by more than 5 points (3 clicks and
 * 2 signups read as 67 %), so a thin bucket would look like a swing. Lower than the health rule's minimums
 * (`HEALTH_RATIOS`), which must tell a ratio from its threshold; a chart only has to keep noise from looking like news.
 */
export const MIN_RATIO_DENOMINATOR = 20;

/** The counter a ratio divides by: "impressions" for CTR. */
export function ratioDenominator(name: RatioKpiName): CounterName {
  return KPIS[name].formula.denominator;
}

/**
 * Whether some sums hold enough of the ratio's denominator for the ratio to mean anything, e.g. a trend bucket with 4
 * clicks gets no click → signup point. A counter missing from `sums` counts as 0.
 */
export function hasRatioVolume(name: RatioKpiName, sums: Partial<Readonly<KpiSums>>): boolean {
  return (sums[ratioDenominator(name)] ?? 0) >= MIN_RATIO_DENOMINATOR;
}
