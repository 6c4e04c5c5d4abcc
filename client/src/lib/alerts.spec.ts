import { describe, expect, it } from 'vitest';
import { alertMetric, describeAlertChange, mergeAlerts, type AlertState } from './alerts.ts';

const alert = (id: string, status: AlertState['status'], triggeredAt: string, updatedAt: string): AlertState => ({
  id,
  status,
  triggeredAt,
  updatedAt,
  resolvedAt: status === 'RESOLVED' || status === 'CANCELLED' ? updatedAt : null,
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

  it('keeps pending alerts active and cancelled ones in neither list, also when the cancel is pushed later', () => {
    const fromQuery = [
      alert('1', 'PENDING', '2026-11-25T10:00:00Z', '2026-11-25T10:00:00Z'),
      alert('2', 'PENDING', '2026-11-25T10:01:00Z', '2026-11-25T10:01:00Z'),
      alert('3', 'CANCELLED', '2026-11-25T09:00:00Z', '2026-11-25T09:02:00Z'),
    ];
    const pushed = [alert('2', 'CANCELLED', '2026-11-25T10:01:00Z', '2026-11-25T10:03:00Z')];
    const { active, resolved } = mergeAlerts(fromQuery, pushed);
    expect(active.map((a) => [a.id, a.status])).toEqual([['1', 'PENDING']]);
    expect(resolved).toEqual([]);
  });

  it('names metrics and unknown ones fall back to their key', () => {
    expect(alertMetric('CPC_SPIKE')).toEqual({ label: 'CPC spike', format: 'currency' });
    expect(alertMetric('ctr_drop')).toEqual({ label: 'CTR drop', format: 'percent' });
    expect(alertMetric('CLICK_TO_SIGNUP_DROP').label).toBe('Click → signup drop');
    expect(alertMetric('SIGNUP_TO_ACTIVATION_DROP').label).toBe('Signup → activation drop');
    // Volume metrics watch a counter: its label, counted.
    expect(alertMetric('IMPRESSIONS_DROP')).toEqual({ label: 'Impressions drop', format: 'count' });
    expect(alertMetric('signups_drop')).toEqual({ label: 'Signups drop', format: 'count' });
    expect(alertMetric('COST_PER_SIGNUP_SPIKE')).toEqual({ label: 'Cost per signup spike', format: 'currency' });
    expect(alertMetric('WEIRD').label).toBe('WEIRD');
  });
});

describe('describeAlertChange', () => {
  it('tells pending, promotion and cancellation apart from firing and acknowledging', () => {
    expect(describeAlertChange({ fromStatus: null, toStatus: 'FIRING' }, undefined)).toBe('Fired');
    expect(describeAlertChange({ fromStatus: null, toStatus: 'PENDING' }, undefined)).toBe('Pending');
    expect(describeAlertChange({ fromStatus: 'PENDING', toStatus: 'FIRING' }, undefined)).toBe('Fired');
    expect(describeAlertChange({ fromStatus: 'PENDING', toStatus: 'CANCELLED' }, undefined)).toBe(
      'Cancelled (cleared before its pending period)',
    );
    expect(describeAlertChange({ fromStatus: 'FIRING', toStatus: 'ACKNOWLEDGED' }, undefined)).toBe('Acknowledged');
    expect(describeAlertChange({ fromStatus: 'ACKNOWLEDGED', toStatus: 'RESOLVED' }, undefined)).toBe('Resolved');
    const snoozed = { fromStatus: 'FIRING', toStatus: 'FIRING', snoozedUntil: '2026-11-25T12:00:00Z' };
    expect(describeAlertChange(snoozed, undefined)).toBe('Snoozed until 25 Nov 2026, 12:00:00 UTC');
    expect(describeAlertChange({ fromStatus: 'FIRING', toStatus: 'FIRING' }, snoozed)).toBe('Woken');
  });
});
