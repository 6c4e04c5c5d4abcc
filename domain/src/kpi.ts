import { COUNTER_NAMES, KPI_NAMES, KPIS, type KpiFormula, type KpiName, type Kpis, type KpiSums } from './metrics.ts';

export const ZERO_SUMS: KpiSums = Object.fromEntries(COUNTER_NAMES.map((name) => [name, 0])) as KpiSums;

/** numerator / denominator, or 0 when the denominator is 0 (the original's rule). */
export function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

/** cost / units × scale, or null when there are no units ("no clicks" is not "free clicks"). */
export function costPer(cost: number, units: number, scale = 1): number | null {
  return units === 0 ? null : (cost / units) * scale;
}

/** A formula's value over some sums. */
export function evaluate(formula: KpiFormula, sums: KpiSums): number | null {
  return formula.kind === 'ratio'
    ? ratio(sums[formula.numerator], sums[formula.denominator])
    : costPer(sums[formula.cost], sums[formula.units], formula.scale);
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

export function addSums(a: KpiSums, b: KpiSums): KpiSums {
  return Object.fromEntries(COUNTER_NAMES.map((name) => [name, a[name] + b[name]])) as KpiSums;
}
