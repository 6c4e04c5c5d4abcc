import { formatMetricValue, metricView, type ChangeUnit } from './display.ts';
import { COUNTER_NAMES, type KpiSums, type MetricName } from './metrics.ts';

export type ChangeDirection = 'up' | 'down' | 'flat';

/** One metric of a window against its comparison window, as the API returns it and the cards show it. */
export interface MetricChange {
  readonly metric: MetricName;
  readonly current: number | null;
  readonly previous: number | null;
  /** current − previous, in the metric's own unit (a ratio's 0.01 is 1 pp); null when either value is null. */
  readonly absolute: number | null;
  /** (current − previous) / previous; 0 when both are 0; null when previous is 0 and current is not, or either is null. */
  readonly relative: number | null;
  readonly unit: ChangeUnit;
  /** Flat when the shown change rounds to 0.0 (pp or %); null when there is nothing to compare. */
  readonly direction: ChangeDirection | null;
  /** Whether the change is good news (the registry's higherIsBetter); null when flat, unknown, or neither (spend). */
  readonly good: boolean | null;
}

/** Half of the last digit shown (0.1 pp or 0.1%): a smaller change reads as 0.0 and is told as flat. */
const FLAT_BELOW = 0.0005;

function directionOf(unit: ChangeUnit, absolute: number, relative: number | null): ChangeDirection {
  // A count from 0 has no relative change, but it did go up.
  const shown = unit === 'percentagePoints' ? absolute : (relative ?? absolute);
  if (Math.abs(shown) < FLAT_BELOW) return 'flat';
  return shown > 0 ? 'up' : 'down';
}

/** The change of `metric` from `previous` to `current`, told in the unit and with the good/bad sense of the registry. */
export function metricChange(metric: MetricName, current: number | null, previous: number | null): MetricChange {
  const { changeUnit: unit, higherIsBetter } = metricView(metric);
  const absolute = current === null || previous === null ? null : current - previous;
  let relative: number | null = null;
  if (absolute !== null && previous !== 0) relative = absolute / Math.abs(previous as number);
  else if (absolute !== null && current === 0) relative = 0;
  const direction = absolute === null ? null : directionOf(unit, absolute, relative);
  const good =
    higherIsBetter === null || direction === null || direction === 'flat'
      ? null
      : (direction === 'up') === higherIsBetter;
  return { metric, current, previous, absolute, relative, unit, direction, good };
}

/** Whether a set of sums holds any event at all (an empty comparison window is "no data", not "−100%"). */
export function hasEvents(sums: KpiSums): boolean {
  return COUNTER_NAMES.some((name) => sums[name] !== 0);
}

const POINTS = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
  signDisplay: 'exceptZero',
});
const PERCENT = new Intl.NumberFormat('en-US', {
  style: 'percent',
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
  signDisplay: 'exceptZero',
});

/**
 * A change for people: "+1.0 pp" for rates, "+12.3%" for counts and money, "+5 from 0" when the earlier value was 0,
 * "no value to compare" when a cost per unit had no units on either side.
 */
export function formatMetricChange(change: MetricChange): string {
  if (change.absolute === null) return 'no value to compare';
  if (change.unit === 'percentagePoints') return `${POINTS.format(change.absolute * 100)} pp`;
  if (change.relative !== null) return PERCENT.format(change.relative);
  const { format } = metricView(change.metric);
  return `+${formatMetricValue(change.absolute, format)} from ${formatMetricValue(0, format)}`;
}
