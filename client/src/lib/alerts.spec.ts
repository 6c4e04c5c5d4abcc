import { describe, expect, it } from 'vitest';
import { alertMetric, mergeAlerts, type AlertState } from './alerts.ts';

const alert = (id: string, status: AlertState['status'], triggeredAt: string, updatedAt: string): AlertState => ({
  id,
  status,
  triggeredAt,
  updatedAt,
  resolvedAt: status === 'RESOLVED' ? updatedAt : null,
});

describe('mergeAlerts', () => {
  it('lets the newest state of an alert win and splits active from resolved', () => {
    const fromQuery = [
      alert('1', 'FIRING', '2026-11-25T10:00:00Z', '2026-11-25T10:00:00Z'),
      alert('2', 'FIRING', '2026-11-25T10:05:00Z', '2026-11-25T10:05:00Z'),
    ];
    const pushed = [
      alert('1', 'RESOLVED', '2026-11-25T10:00:00Z', '2026-11-25T10:10:00Z'),
      alert('3', 'FIRING', '2026-11-25T10:11:00Z', '2026-11-25T10:11:00Z'),
      // a stale push must not undo the newer query row
      alert('2', 'FIRING', '2026-11-25T10:05:00Z', '2026-11-25T10:04:00Z'),
    ];
    const { active, resolved } = mergeAlerts(fromQuery, pushed);
    expect(active.map((a) => a.id)).toEqual(['3', '2']);
    expect(resolved.map((a) => a.id)).toEqual(['1']);
  });

  it('names metrics and unknown ones fall back to their key', () => {
    expect(alertMetric('CPC_SPIKE')).toEqual({ label: 'CPC spike', format: 'currency' });
    expect(alertMetric('ctr_drop')).toEqual({ label: 'CTR drop', format: 'percent' });
    expect(alertMetric('CLICK_TO_SIGNUP_DROP').label).toBe('Click → signup drop');
    expect(alertMetric('SIGNUP_TO_ACTIVATION_DROP').label).toBe('Signup → activation drop');
    expect(alertMetric('WEIRD').label).toBe('WEIRD');
  });
});
