import {
  COUNTER_NAMES,
  COUNTERS,
  KPI_NAMES,
  KPIS,
  type CounterName,
  type KpiName,
  type MetricName,
} from './metrics.ts';

/**
 * Names derived from a metric's registry name, so API enums and the original's snake_case fields follow the registry
 * instead of being retyped: `clickToSignup` → `CLICK_TO_SIGNUP` (GraphQL enum values) and `click_to_signup`.
 */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** `clickToSignup` → `CLICK_TO_SIGNUP`. */
export function enumName(name: string): string {
  return snakeCase(name).toUpperCase();
}

/** The enum value naming a metric (e.g. a sort key): `CLICK_TO_SIGNUP` for `clickToSignup`. */
export type MetricEnumName = Uppercase<SnakeCase<MetricName>>;
type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? Head extends Lowercase<Head>
    ? `${Head}${SnakeCase<Tail>}`
    : `_${Lowercase<Head>}${SnakeCase<Tail>}`
  : S;

/** Every metric by its enum value (registry order), and back. */
export const METRIC_BY_ENUM_NAME = Object.fromEntries(
  [...COUNTER_NAMES, ...KPI_NAMES].map((name) => [enumName(name), name]),
) as Record<MetricEnumName, MetricName>;

export function isCounterName(name: string): name is CounterName {
  return (COUNTER_NAMES as string[]).includes(name);
}

export function isKpiName(name: string): name is KpiName {
  return (KPI_NAMES as string[]).includes(name);
}

/** A metric's registry entry's label and description, whether counter or KPI. */
export function metricLabel(name: MetricName): string {
  return isKpiName(name) ? KPIS[name].label : COUNTERS[name].label;
}

export function metricDescription(name: MetricName): string {
  return isKpiName(name) ? KPIS[name].description : COUNTERS[name].description;
}
