import { describe, expect, it } from 'vitest';
import { formatMetricChange, hasEvents, metricChange } from './change.ts';
import { METRIC_VIEWS } from './display.ts';
import { ZERO_SUMS } from './kpi.ts';

describe('metric changes', () => {
  it('tells rates in percentage points and counts and money in percent, from the registry', () => {
    const units = Object.fromEntries(METRIC_VIEWS.map((view) => [view.name, view.changeUnit]));
    expect(units).toMatchObject({
      ctr: 'percentagePoints',
      clickToSignup: 'percentagePoints',
      signupToActivation: 'percentagePoints',
      impressions: 'percent',
      spend: 'percent',
      cpc: 'percent',
      cpm: 'percent',
      costPerActivation: 'percent',
      revenue: 'percent',
      roas: 'percent',
      revenuePerActivation: 'percent',
    });
  });

  it('CTR from 2% to 3% is +1.0 pp, not +50%', () => {
    const change = metricChange('ctr', 0.03, 0.02);
    expect(change).toMatchObject({ unit: 'percentagePoints', direction: 'up', good: true });
    expect(change.absolute).toBeCloseTo(0.01, 12);
    expect(change.relative).toBeCloseTo(0.5, 12);
    expect(formatMetricChange(change)).toBe('+1.0 pp');
    expect(formatMetricChange(metricChange('signupToActivation', 0.4, 0.75))).toBe('-35.0 pp');
  });

  it('counts and money change in percent; costs up are bad news, spend is neither', () => {
    expect(formatMetricChange(metricChange('clicks', 1123, 1000))).toBe('+12.3%');
    expect(metricChange('clicks', 1123, 1000).good).toBe(true);
    expect(metricChange('cpc', 1.2, 1)).toMatchObject({ direction: 'up', good: false });
    expect(formatMetricChange(metricChange('cpc', 1.2, 1))).toBe('+20.0%');
    expect(metricChange('costPerActivation', 8, 10)).toMatchObject({ direction: 'down', good: true });
    expect(metricChange('spend', 20, 10)).toMatchObject({ direction: 'up', good: null });
    expect(metricChange('roas', 2.4, 3)).toMatchObject({ direction: 'down', good: false });
    expect(formatMetricChange(metricChange('roas', 2.4, 3))).toBe('-20.0%');
    expect(metricChange('revenue', 120, 100)).toMatchObject({ direction: 'up', good: true });
  });

  it('is flat (and neither good nor bad) when the shown change rounds to zero', () => {
    expect(metricChange('ctr', 0.0304, 0.03)).toMatchObject({ direction: 'flat', good: null });
    expect(formatMetricChange(metricChange('ctr', 0.0304, 0.03))).toBe('0.0 pp');
    expect(metricChange('impressions', 10_004, 10_000)).toMatchObject({ direction: 'flat', good: null });
    expect(metricChange('impressions', 0, 0)).toMatchObject({ relative: 0, direction: 'flat' });
  });

  it('a count from 0 went up without a relative change; a cost per unit without units has no change', () => {
    const fromZero = metricChange('signups', 5, 0);
    expect(fromZero).toMatchObject({ absolute: 5, relative: null, direction: 'up', good: true });
    expect(formatMetricChange(fromZero)).toBe('+5 from 0');
    const noUnits = metricChange('cpc', 0.8, null);
    expect(noUnits).toMatchObject({ absolute: null, relative: null, direction: null, good: null });
    expect(formatMetricChange(noUnits)).toBe('no value to compare');
    expect(formatMetricChange(metricChange('roas', 3.2, null))).toBe('no value to compare');
    expect(formatMetricChange(metricChange('roas', 3.2, 0))).toBe('+3.20× from 0.00×');
  });

  it('knows an empty window', () => {
    expect(hasEvents(ZERO_SUMS)).toBe(false);
    expect(hasEvents({ ...ZERO_SUMS, activations: 1 })).toBe(true);
  });
});
