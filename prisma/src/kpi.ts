/**
 * The KPI formulas of the original system, defined once for every package (server reads, worker rollups and alerts,
 * dashboard via the API). Ratios over any window are ratios of sums, never averages of per-bucket ratios; a ratio
 * whose denominator is 0 is 0, as in the original.
 */
export interface KpiSums {
  impressions: number;
  clicks: number;
  signups: number;
  activations: number;
  /** Sum of click cost (`cost` in the original's rollups). */
  clickCost: number;
  /** Sum of all cost (`total_cost`): what was spent. */
  spend: number;
}

export const ZERO_SUMS: KpiSums = { impressions: 0, clicks: 0, signups: 0, activations: 0, clickCost: 0, spend: 0 };

/** numerator / denominator, or 0 when the denominator is 0 (the original's rule). */
export function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

/** numerator / denominator, or null when undefined (costs per unit: "no clicks" is not "free clicks"). */
export function costPer(cost: number, units: number): number | null {
  return units === 0 ? null : cost / units;
}

export interface Kpis extends KpiSums {
  ctr: number;
  clickToSignup: number;
  signupToActivation: number;
  /** spend per click */
  cpc: number | null;
  /** spend per 1,000 impressions */
  cpm: number | null;
  costPerSignup: number | null;
  costPerActivation: number | null;
}

export function kpisFromSums(sums: KpiSums): Kpis {
  return {
    ...sums,
    ctr: ratio(sums.clicks, sums.impressions),
    clickToSignup: ratio(sums.signups, sums.clicks),
    signupToActivation: ratio(sums.activations, sums.signups),
    cpc: costPer(sums.spend, sums.clicks),
    cpm: sums.impressions === 0 ? null : (sums.spend / sums.impressions) * 1000,
    costPerSignup: costPer(sums.spend, sums.signups),
    costPerActivation: costPer(sums.spend, sums.activations),
  };
}

export function addSums(a: KpiSums, b: KpiSums): KpiSums {
  return {
    impressions: a.impressions + b.impressions,
    clicks: a.clicks + b.clicks,
    signups: a.signups + b.signups,
    activations: a.activations + b.activations,
    clickCost: a.clickCost + b.clickCost,
    spend: a.spend + b.spend,
  };
}

/** The same ratio rule in SQL, for rollup rows computed by the database: `sqlRatio('clicks', 'impressions')`. */
export function sqlRatio(numerator: string, denominator: string): string {
  return `(CASE WHEN (${denominator}) = 0 THEN 0 ELSE (${numerator})::float8 / (${denominator}) END)`;
}

/** The original's health rule for a campaign row ("At Risk" when CTR < 0.02 or signup→activation < 0.4). */
export const DEFAULT_HEALTH_THRESHOLDS = { minCtr: 0.02, minSignupToActivation: 0.4 };

export function healthStatus(
  kpis: Pick<Kpis, 'ctr' | 'signupToActivation'>,
  thresholds = DEFAULT_HEALTH_THRESHOLDS,
): { status: 'HEALTHY' | 'AT_RISK'; reasons: string[] } {
  const reasons: string[] = [];
  if (kpis.ctr < thresholds.minCtr) reasons.push(`CTR below ${thresholds.minCtr}`);
  if (kpis.signupToActivation < thresholds.minSignupToActivation) {
    reasons.push(`signup→activation below ${thresholds.minSignupToActivation}`);
  }
  return { status: reasons.length ? 'AT_RISK' : 'HEALTHY', reasons };
}
