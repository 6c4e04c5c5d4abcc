import { describe, expect, it } from 'vitest';
import {
  ALERT_METRIC_BY_NAME,
  ALERT_METRIC_DEFINITIONS,
  ALERT_METRICS,
  alertMetricWatches,
  kpiVolumeCounter,
} from './alerts.ts';
import { COUNTERS, KPIS } from './metrics.ts';

describe('alert metrics', () => {
  it('start with the four original metrics, each naming a registry KPI or counter of the kind it needs', () => {
    expect(ALERT_METRICS.slice(0, 4)).toEqual([
      'ctr_drop',
      'click_to_signup_drop',
      'signup_to_activation_drop',
      'cpc_spike',
    ]);
    for (const definition of ALERT_METRIC_DEFINITIONS) {
      if (definition.kind === 'volume') {
        expect(COUNTERS[definition.counter].unit).toBe('count');
        expect(alertMetricWatches(definition.metric)).toBe(definition.counter);
      } else {
        expect(KPIS[definition.kpi].formula.kind).toBe(definition.kind === 'rate' ? 'ratio' : 'per');
        expect(definition.direction).toBe(definition.kind === 'rate' ? 'drop' : 'spike');
        expect(alertMetricWatches(definition.metric)).toBe(definition.kpi);
      }
      expect(ALERT_METRIC_BY_NAME[definition.metric]).toBe(definition);
    }
  });

  it('measure volume in the denominator of a rate and the units of a cost', () => {
    expect(kpiVolumeCounter('ctr')).toBe('impressions');
    expect(kpiVolumeCounter('cpc')).toBe('clicks');
  });
});
