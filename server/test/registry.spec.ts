import { COUNTERS, enumName, isPerUnit, isKpiName, KPIS, METRIC_NAMES, type MetricName } from '@pmd/domain';
import { getNamedType, isEnumType, isNonNullType, isObjectType, type GraphQLEnumType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.ts';

/**
 * The API carries the metric registry: every counter and KPI is a field wherever metrics are served, described as the
 * registry describes it, and a sort key of breakdowns. (The read tests check each field's value against the registry's
 * formulas over brute-force sums: test/reads/kpis.spec.ts.)
 */
const objectType = (name: string) => {
  const type = schema.getType(name);
  if (!isObjectType(type)) throw new Error(`${name} is not an object type`);
  return type;
};

const description = (name: MetricName) => (isKpiName(name) ? KPIS[name].description : COUNTERS[name].description);
const nullable = (name: MetricName) => isKpiName(name) && isPerUnit(name);

describe('the schema carries the metric registry', () => {
  it('KpiTotals has exactly one field per counter and KPI, with its description; only costs per unit are nullable', () => {
    const fields = objectType('KpiTotals').getFields();
    expect(Object.keys(fields).sort()).toEqual([...METRIC_NAMES].sort());
    for (const name of METRIC_NAMES) {
      const field = fields[name]!;
      expect(field.description, name).toBe(description(name));
      expect(getNamedType(field.type).name, name).toBe('Float');
      expect(isNonNullType(field.type), name).toBe(!nullable(name));
    }
  });

  it('KpiChange has the change of every metric', () => {
    expect(Object.keys(objectType('KpiChange').getFields()).sort()).toEqual([...METRIC_NAMES].sort());
  });

  it.each([
    ['Overview', 'current'],
    ['Overview', 'previous'],
    ['BreakdownRow', 'totals'],
    ['TimeSeriesPoint', 'totals'],
  ])('%s.%s carries KpiTotals (every metric)', (typeName, fieldName) => {
    const field = objectType(typeName).getFields()[fieldName];
    expect(field && isNonNullType(field.type) && getNamedType(field.type).name).toBe('KpiTotals');
  });

  it('every metric is a BreakdownSort value, described by the registry', () => {
    const sort = schema.getType('BreakdownSort');
    expect(isEnumType(sort)).toBe(true);
    const values = (sort as GraphQLEnumType).getValues();
    expect(values.map((value) => value.name).sort()).toEqual(METRIC_NAMES.map(enumName).sort());
    for (const name of METRIC_NAMES) {
      expect(values.find((value) => value.name === enumName(name))?.description, name).toBe(description(name));
    }
  });
});
