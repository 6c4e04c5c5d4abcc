import { describe, expect, it } from 'vitest';
import { enumName, isCounterName, isKpiName, METRIC_BY_ENUM_NAME, snakeCase } from './index.ts';
import { METRIC_NAMES } from './metrics.ts';

describe('names derived from the registry', () => {
  it('spells camelCase names in snake_case and as enum values', () => {
    expect(snakeCase('clickToSignup')).toBe('click_to_signup');
    expect(snakeCase('ctr')).toBe('ctr');
    expect(enumName('costPerActivation')).toBe('COST_PER_ACTIVATION');
    expect(enumName('cpm')).toBe('CPM');
    expect(enumName('roas')).toBe('ROAS');
    expect(enumName('revenuePerActivation')).toBe('REVENUE_PER_ACTIVATION');
  });

  it('maps every metric to a distinct enum value and back', () => {
    expect(Object.keys(METRIC_BY_ENUM_NAME)).toHaveLength(METRIC_NAMES.length);
    for (const name of METRIC_NAMES)
      expect(METRIC_BY_ENUM_NAME[enumName(name) as keyof typeof METRIC_BY_ENUM_NAME]).toBe(name);
  });

  it('tells counters from KPIs', () => {
    expect(isCounterName('spend')).toBe(true);
    expect(isKpiName('spend')).toBe(false);
    expect(isKpiName('cpc')).toBe(true);
    expect(isCounterName('revenue')).toBe(true);
    expect(isKpiName('roas')).toBe(true);
    expect(isCounterName('nope') || isKpiName('nope')).toBe(false);
  });
});
