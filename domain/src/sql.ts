import { COUNTER_NAMES, COUNTERS, EVENT_TYPES, KPIS, type CounterName, type KpiName } from './metrics.ts';

/**
 * SQL fragments derived from the registry, so every statement that counts, sums or divides metrics lists the same
 * columns with the same rules. Strings only (no driver): the database code composes them into its statements.
 */

/** The rollup columns of every counter, in registry order: `impressions, clicks, …, total_cost`. */
export const ROLLUP_COLUMNS: readonly string[] = COUNTER_NAMES.map((name) => COUNTERS[name].column);

const column = (name: CounterName) => COUNTERS[name].column;
const prefixed = (alias: string | undefined, name: CounterName) => (alias ? `${alias}.${column(name)}` : column(name));

/**
 * How SQL over raw events reaches each event's campaign: a `LEFT JOIN campaigns <alias> ON <alias>.campaign_id =
 * e.campaign_id` (an event whose campaign has no catalog row yet reads as spend source events). Only the `spend`
 * counter needs it (SPEND_SOURCE_RULE).
 */
export const CAMPAIGN_ALIAS = 'c';

/** The event column a sum counter adds up. */
function summedColumn(name: CounterName): 'cost' | 'revenue' {
  return COUNTERS[name].aggregation === 'revenue' ? 'revenue' : 'cost';
}

/**
 * The count counter of each event type: every event adds 1 to exactly one of them, so their sum is a rollup row's
 * number of events. Checked when the module loads, as an event type without its count would make that sum miss events.
 */
const EVENT_COUNT_COLUMNS: readonly string[] = EVENT_TYPES.map((type) => {
  const name = COUNTER_NAMES.find((candidate) => {
    const counter = COUNTERS[candidate];
    return counter.aggregation === 'count' && counter.eventType === type;
  });
  if (!name) throw new Error(`event type ${type} has no count counter in COUNTERS`);
  return column(name);
});

/** Whether a rollup row (alias) counts any event: a row of imported spend alone does not. */
export function rollupRowHoldsEventsSql(alias: string): string {
  return `(${EVENT_COUNT_COLUMNS.map((name) => `${alias}.${name}`).join(' + ')}) > 0`;
}

/** Condition on an event for a counter (its type; for spend, that its campaign's spend comes from events), or null. */
function eventMatchSql(name: CounterName, col: (c: string) => string): string | null {
  const counter = COUNTERS[name];
  const conditions: string[] = [];
  if (counter.eventType) conditions.push(`${col('event_type')} = '${counter.eventType}'`);
  if (counter.aggregation === 'spend') conditions.push(`${CAMPAIGN_ALIAS}.spend_source IS DISTINCT FROM 'imports'`);
  return conditions.length ? conditions.join(' AND ') : null;
}

/**
 * A counter aggregated over raw events (rows with `event_type`, `cost` and `revenue`, joined to their campaign as
 * CAMPAIGN_ALIAS): `count(*) FILTER (WHERE …)` or the sum, 0 when no event matches. Counts are bigint, sums numeric,
 * as in the rollup tables. Imported spend is not an event: add `importedSpendCountersSql` rows for it.
 */
export function counterOverEventsSql(name: CounterName, alias?: string): string {
  const col = (c: string) => (alias ? `${alias}.${c}` : c);
  const match = eventMatchSql(name, col);
  const filter = match ? ` FILTER (WHERE ${match})` : '';
  return COUNTERS[name].aggregation === 'count'
    ? `count(*)${filter}::bigint`
    : `coalesce(sum(${col(summedColumn(name))})${filter}, 0)`;
}

/** `<aggregate> AS <column>, …` of every counter over raw events (the minute sums, oracles, backfills). */
export function countersOverEventsSql(alias?: string): string {
  return COUNTER_NAMES.map((name) => `${counterOverEventsSql(name, alias)} AS ${column(name)}`).join(',\n  ');
}

/**
 * `<value> AS <column>, …` of every counter for one `spend_imports` row (alias): its spend as the spend counter, 0 for
 * every other. Only rows of campaigns whose spend_source is 'imports' count (the caller joins and filters).
 */
export function importedSpendCountersSql(alias: string): string {
  return COUNTER_NAMES.map((name) => {
    const counter = COUNTERS[name];
    const value =
      counter.aggregation === 'spend' ? `${alias}.spend` : counter.aggregation === 'count' ? '0::bigint' : '0::numeric';
    return `${value} AS ${column(name)}`;
  }).join(', ');
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
  return `(CASE WHEN (${sql(formula.units)}) = 0 THEN NULL ELSE (${sql(formula.amount)})::float8 / (${sql(formula.units)})${scaled} END)`;
}

/**
 * A counter's contribution of one raw event (joined to its campaign as CAMPAIGN_ALIAS): 1 or 0 for counts, the summed
 * column or 0 for sums. Summed over events it equals `counterOverEventsSql`; used where raw events are unioned with
 * rollup rows before aggregating (the KPI window).
 */
export function counterPerEventSql(name: CounterName, alias?: string): string {
  const col = (c: string) => (alias ? `${alias}.${c}` : c);
  const match = eventMatchSql(name, col);
  if (COUNTERS[name].aggregation === 'count') return match ? `(${match})::int` : '1';
  const summed = col(summedColumn(name));
  return match ? `CASE WHEN ${match} THEN ${summed} ELSE 0 END` : summed;
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

/**
 * Every counter per (campaign_id, channel, minute) from raw events and imported spend, as ingest and spend imports
 * keep the minute rollup: the one recomputation behind the backfill, a spend import and a change of a campaign's
 * spend source. `where(alias, ts)` gives the condition on each source (`alias` has campaign_id and channel, `ts` is
 * the event time or the imported period's start), with the caller's $-parameters.
 */
export function minuteSumsSql(where: (alias: string, ts: string) => string): string {
  const sums = COUNTER_NAMES.map((name) => `sum(${column(name)}) AS ${column(name)}`).join(', ');
  return `SELECT campaign_id, channel, minute, ${sums}
FROM (
  SELECT e.campaign_id, e.channel, date_trunc('minute', e.ts, 'UTC') AS minute, ${countersOverEventsSql('e')}
  FROM raw_events e LEFT JOIN campaigns ${CAMPAIGN_ALIAS} ON ${CAMPAIGN_ALIAS}.campaign_id = e.campaign_id
  WHERE ${where('e', 'e.ts')}
  GROUP BY 1, 2, 3
  UNION ALL
  SELECT s.campaign_id, s.channel, date_trunc('minute', s.period_start, 'UTC'), ${importedSpendCountersSql('s')}
  FROM spend_imports s
  JOIN campaigns ${CAMPAIGN_ALIAS} ON ${CAMPAIGN_ALIAS}.campaign_id = s.campaign_id AND ${CAMPAIGN_ALIAS}.spend_source = 'imports'
  WHERE ${where('s', 's.period_start')}
) parts
GROUP BY 1, 2, 3`;
}
