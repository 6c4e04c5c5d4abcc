import { COUNTERS, KPIS, METRIC_NAMES, type CounterName, type MetricName } from './metrics.ts';

/** How a metric's value reads to people: counters by their unit, KPIs by their format (`ratio`: a multiple, ROAS 3.20×). */
export type MetricFormat = 'count' | 'percent' | 'currency' | 'ratio';

/**
 * How a change of a metric is told. Rates change in percentage points (CTR 2% → 3% is +1.0 pp; "+50%" reads as
 * points to marketers), counts and money in percent of the earlier value. Derived from the format, never listed.
 */
export type ChangeUnit = 'percentagePoints' | 'percent';

export function changeUnitOf(format: MetricFormat): ChangeUnit {
  return format === 'percent' ? 'percentagePoints' : 'percent';
}

/** What a screen needs to show a metric: read from the registry, never retyped. */
export interface MetricView {
  readonly name: MetricName;
  readonly label: string;
  readonly description: string;
  readonly format: MetricFormat;
  /** Whether up is good news (more signups yes, a higher CPC no); null when neither (spend). */
  readonly higherIsBetter: boolean | null;
  readonly changeUnit: ChangeUnit;
}

function isCounter(name: MetricName): name is CounterName {
  return Object.hasOwn(COUNTERS, name);
}

export function metricView(name: MetricName): MetricView {
  if (isCounter(name)) {
    const { label, description, unit, higherIsBetter } = COUNTERS[name];
    return { name, label, description, format: unit, higherIsBetter, changeUnit: changeUnitOf(unit) };
  }
  const { label, description, format, higherIsBetter } = KPIS[name];
  return { name, label, description, format, higherIsBetter, changeUnit: changeUnitOf(format) };
}

/** Every metric's view, in the registry's order (counters first, then KPIs). */
export const METRIC_VIEWS: readonly MetricView[] = METRIC_NAMES.map(metricView);

const FORMAT_ORDER: readonly MetricFormat[] = ['count', 'percent', 'currency', 'ratio'];

/** Counts, then rates, then money, then returns (the order the dashboard reads best in), registry order within each. */
export function byFormat(names: readonly MetricName[]): MetricName[] {
  const rank = (name: MetricName) => FORMAT_ORDER.indexOf(metricView(name).format);
  return names
    .map((name, index) => ({ name, index }))
    .sort((a, b) => rank(a.name) - rank(b.name) || a.index - b.index)
    .map(({ name }) => name);
}

/**
 * A counter's field on rollup rows (`CampaignMetricsHourly`, `_Daily`): its column in camelCase, as Prisma names it
 * (`total_cost` → `totalCost`).
 */
export function rollupField(name: CounterName): string {
  return COUNTERS[name].column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

const FORMATTERS: Record<MetricFormat, Intl.NumberFormat> = {
  count: new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }),
  currency: new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }),
  percent: new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  ratio: new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
};

/** A metric value for people; null (a cost per unit without units) is an em dash, never $0. */
export function formatMetricValue(value: number | null | undefined, format: MetricFormat): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return format === 'ratio' ? `${FORMATTERS.ratio.format(value)}×` : FORMATTERS[format].format(value);
}
