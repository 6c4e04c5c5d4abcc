import { describe, expect, it } from 'vitest';
import {
  ALERT_METRIC_BY_NAME,
  ALERT_METRIC_DEFINITIONS,
  ALERT_METRICS,
  alertMetricWatches,
  kpiVolumeCounter,
} from './alerts.ts';
import { COUNTERS, KPIS, METRIC_NAMES } from './metrics.ts';

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
      } else if (definition.kind === 'target') {
        expect(METRIC_NAMES).toContain(definition.watches);
        expect(alertMetricWatches(definition.metric)).toBe(definition.watches);
      } else {
        expect(KPIS[definition.kpi].formula.kind).toBe(definition.kind === 'rate' ? 'ratio' : 'per');
        expect(definition.direction).toBe(definition.kind === 'rate' ? 'drop' : 'spike');
        expect(alertMetricWatches(definition.metric)).toBe(definition.kpi);
      }
      expect(ALERT_METRIC_BY_NAME[definition.metric]).toBe(definition);
    }
  });

  it('judge each catalog target in the direction that hurts: spend and CPA above, ROAS below', () => {
    const targets = ALERT_METRIC_DEFINITIONS.flatMap((d) =>
      d.kind === 'target' ? [[d.metric, d.target, d.watches, d.direction]] : [],
    );
    expect(targets).toEqual([
      ['projected_overspend', 'dailyBudget', 'spend', 'above'],
      ['cpa_above_target', 'targetCpa', 'costPerActivation', 'above'],
      ['roas_below_target', 'targetRoas', 'roas', 'below'],
    ]);
    for (const [, , watches, direction] of targets) {
      if (watches !== 'spend') expect(KPIS[watches as 'roas'].higherIsBetter).toBe(direction === 'below');
    }
  });

  it('measure volume in the denominator of a rate and the units of a cost', () => {
    expect(kpiVolumeCounter('ctr')).toBe('impressions');
    expect(kpiVolumeCounter('cpc')).toBe('clicks');
  });
});
