import { describe, expect, it } from 'vitest';
import { ALERT_METRIC_BY_NAME, ALERT_METRIC_DEFINITIONS, ALERT_METRICS, kpiVolumeCounter } from './alerts.ts';
import { KPIS } from './metrics.ts';

describe('alert metrics', () => {
  it('are the four original metrics, each naming a registry KPI of the kind its direction needs', () => {
    expect(ALERT_METRICS).toEqual(['ctr_drop', 'click_to_signup_drop', 'signup_to_activation_drop', 'cpc_spike']);
    for (const definition of ALERT_METRIC_DEFINITIONS) {
      expect(KPIS[definition.kpi].formula.kind).toBe(definition.direction === 'drop' ? 'ratio' : 'costPer');
      expect(ALERT_METRIC_BY_NAME[definition.metric]).toBe(definition);
    }
  });

  it('measure volume in the denominator of a rate and the units of a cost', () => {
    expect(kpiVolumeCounter('ctr')).toBe('impressions');
    expect(kpiVolumeCounter('cpc')).toBe('clicks');
  });
});
