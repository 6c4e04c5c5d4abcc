import { describe, expect, it } from 'vitest';
import { byFormat, formatMetricValue, METRIC_VIEWS, metricView, rollupField } from './display.ts';
import { METRIC_NAMES } from './metrics.ts';

describe('metric views', () => {
  it('reads label, description, format and direction from the registry', () => {
    expect(metricView('clicks')).toMatchObject({ label: 'Clicks', format: 'count', higherIsBetter: true });
    expect(metricView('spend')).toMatchObject({ format: 'currency', higherIsBetter: null });
    expect(metricView('ctr')).toMatchObject({ label: 'CTR', format: 'percent', higherIsBetter: true });
    expect(metricView('cpc')).toMatchObject({ format: 'currency', higherIsBetter: false });
    expect(metricView('revenue')).toMatchObject({ label: 'Revenue', format: 'currency', higherIsBetter: true });
    expect(metricView('roas')).toMatchObject({ label: 'ROAS', format: 'ratio', higherIsBetter: true });
    expect(metricView('revenuePerActivation')).toMatchObject({ format: 'currency', higherIsBetter: true });
    expect(metricView('costPerActivation')).toMatchObject({ label: 'CPA', format: 'currency', higherIsBetter: false });
    expect(METRIC_VIEWS.map((view) => view.name)).toEqual(METRIC_NAMES);
    expect(METRIC_VIEWS.every((view) => view.label && view.description)).toBe(true);
  });

  it('orders counts, then rates, then money, then returns, keeping the registry order within each', () => {
    expect(byFormat(['roas', 'spend', 'ctr', 'clicks', 'revenue', 'cpc', 'impressions'])).toEqual([
      'clicks',
      'impressions',
      'ctr',
      'spend',
      'revenue',
      'cpc',
      'roas',
    ]);
  });

  it('names rollup fields as Prisma does', () => {
    expect(rollupField('impressions')).toBe('impressions');
    expect(rollupField('clickCost')).toBe('cost');
    expect(rollupField('spend')).toBe('totalCost');
    expect(rollupField('revenue')).toBe('revenue');
  });

  it('formats by unit, and shows a missing value as an em dash', () => {
    expect(formatMetricValue(70057, 'count')).toBe('70,057');
    expect(formatMetricValue(0.042634, 'percent')).toBe('4.26%');
    expect(formatMetricValue(1234.5, 'currency')).toBe('$1,234.50');
    expect(formatMetricValue(3.2, 'ratio')).toBe('3.20×');
    expect(formatMetricValue(1234.567, 'ratio')).toBe('1,234.57×');
    expect(formatMetricValue(null, 'ratio')).toBe('—');
    expect(formatMetricValue(null, 'currency')).toBe('—');
    expect(formatMetricValue(Number.NaN, 'count')).toBe('—');
  });
});
