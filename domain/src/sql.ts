import { COUNTER_NAMES, COUNTERS, KPIS, type CounterName, type KpiName } from './metrics.ts';

/**
 * SQL fragments derived from the registry, so every statement that counts, sums or divides metrics lists the same
 * columns with the same rules. Strings only (no driver): the database code composes them into its statements.
 */

/** The rollup columns of every counter, in registry order: `impressions, clicks, …, total_cost`. */
export const ROLLUP_COLUMNS: readonly string[] = COUNTER_NAMES.map((name) => COUNTERS[name].column);

const column = (name: CounterName) => COUNTERS[name].column;
const prefixed = (alias: string | undefined, name: CounterName) => (alias ? `${alias}.${column(name)}` : column(name));

/**
 * A counter aggregated over raw events (rows with `event_type` and `cost`): `count(*) FILTER (WHERE …)` or the
 * cost sum, 0 when no event matches. Counts are bigint, sums numeric, as in the rollup tables.
 */
export function counterOverEventsSql(name: CounterName, alias?: string): string {
  const counter = COUNTERS[name];
  const col = (c: string) => (alias ? `${alias}.${c}` : c);
  const filter = counter.eventType ? ` FILTER (WHERE ${col('event_type')} = '${counter.eventType}')` : '';
  return counter.aggregation === 'count' ? `count(*)${filter}::bigint` : `coalesce(sum(${col('cost')})${filter}, 0)`;
}

/** `<aggregate> AS <column>, …` of every counter over raw events (the minute sums, oracles, backfills). */
export function countersOverEventsSql(alias?: string): string {
  return COUNTER_NAMES.map((name) => `${counterOverEventsSql(name, alias)} AS ${column(name)}`).join(',\n  ');
}

/** `sum(a.impressions) AS impressions, …` of every counter over rollup rows. */
export function sumRollupColumnsSql(alias?: string, cast = ''): string {
  return COUNTER_NAMES.map((name) => `coalesce(sum(${prefixed(alias, name)}), 0)${cast} AS ${column(name)}`).join(
    ',\n  ',
  );
}

/** `impressions = m.impressions + EXCLUDED.impressions, …`: an upsert that adds to a rollup row. */
export function addToRollupSql(target: string): string {
  return COUNTER_NAMES.map((name) => `${column(name)} = ${target}.${column(name)} + EXCLUDED.${column(name)}`).join(
    ',\n    ',
  );
}

/** `impressions = EXCLUDED.impressions, …`: an upsert that replaces a rollup row. */
export function replaceRollupSql(): string {
  return COUNTER_NAMES.map((name) => `${column(name)} = EXCLUDED.${column(name)}`).join(',\n    ');
}

/** The ratio rule in SQL: `sqlRatio('clicks', 'impressions')` is 0 when the denominator is 0. */
export function sqlRatio(numerator: string, denominator: string): string {
  return `(CASE WHEN (${denominator}) = 0 THEN 0 ELSE (${numerator})::float8 / (${denominator}) END)`;
}

/**
 * A KPI in SQL over columns that hold the counters' sums (`sql(counter)` names each one, e.g. `s.clicks`): the same
 * rules as `kpisFromSums`, so a KPI computed by the database equals the one computed in TypeScript.
 */
export function kpiSql(name: KpiName, sql: (counter: CounterName) => string = column): string {
  const formula = KPIS[name].formula;
  if (formula.kind === 'ratio') return sqlRatio(sql(formula.numerator), sql(formula.denominator));
  const scaled = formula.scale === 1 ? '' : ` * ${formula.scale}`;
  return `(CASE WHEN (${sql(formula.units)}) = 0 THEN NULL ELSE (${sql(formula.cost)})::float8 / (${sql(formula.units)})${scaled} END)`;
}

/**
 * A counter's contribution of one raw event (a row with `event_type` and `cost`): 1 or 0 for counts, the cost or 0
 * for cost sums. Summed over events it equals `counterOverEventsSql`; used where raw events are unioned with rollup
 * rows before aggregating (the KPI window).
 */
export function counterPerEventSql(name: CounterName, alias?: string): string {
  const counter = COUNTERS[name];
  const col = (c: string) => (alias ? `${alias}.${c}` : c);
  const match = counter.eventType ? `${col('event_type')} = '${counter.eventType}'` : null;
  if (counter.aggregation === 'count') return match ? `(${match})::int` : '1';
  return match ? `CASE WHEN ${match} THEN ${col('cost')} ELSE 0 END` : col('cost');
}

/**
 * The KPIs the hourly and daily tables also store as columns (the original schema's ratios, which readers of those
 * tables may use), with the registry's formulas over the row's sums. Every other KPI is computed from the sums when
 * read, so a new KPI needs no column; a new counter needs its column (ROLLUP_COLUMNS) and nothing else.
 */
export const STORED_ROLLUP_KPIS = [
  { name: 'ctr', column: 'ctr' },
  { name: 'clickToSignup', column: 'click_to_signup' },
  { name: 'signupToActivation', column: 'signup_to_activation' },
] as const satisfies readonly { name: KpiName; column: string }[];
