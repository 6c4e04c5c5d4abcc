import { addSums, COUNTER_NAMES, kpisFromSums, rollupField, ZERO_SUMS, type Kpis, type KpiSums } from '@pmd/domain';

/** One rollup row (hourly or daily) as the campaign page shows it: every counter and every KPI of the registry. */
export type MetricRow = {
  /** ISO instant of the hour, or YYYY-MM-DD of the UTC day. */
  bucket: string;
  channel: string;
} & Kpis;

/**
 * A rollup row from the API (counters under their column's field name: `cost`, `totalCost`) as a `MetricRow`, its
 * KPIs computed from its counters by the registry's formulas. A counter the document did not select is a programming
 * error (the documents test guards it), not a zero.
 */
export function metricRow(bucket: string, channel: string, fields: Readonly<Record<string, unknown>>): MetricRow {
  const sums = Object.fromEntries(
    COUNTER_NAMES.map((name) => {
      const value = fields[rollupField(name)];
      if (typeof value !== 'number') throw new Error(`rollup row without ${rollupField(name)}`);
      return [name, value];
    }),
  ) as KpiSums;
  return { bucket, channel, ...kpisFromSums(sums) };
}

/** Per-channel rows summed per bucket (KPIs recomputed from the sums, never averaged), oldest first. */
export function sumByBucket(rows: readonly MetricRow[]): Omit<MetricRow, 'channel'>[] {
  const byBucket = new Map<string, KpiSums>();
  for (const row of rows) byBucket.set(row.bucket, addSums(byBucket.get(row.bucket) ?? ZERO_SUMS, row));
  return [...byBucket.entries()]
    .map(([bucket, sums]) => ({ bucket, ...kpisFromSums(sums) }))
    .sort((a, b) => a.bucket.localeCompare(b.bucket));
}
