import type { ValueFormat } from './format.ts';

/** The worker's alert metrics, for people; costs are money, the rest are ratios. */
export const ALERT_METRICS: Record<string, { label: string; format: ValueFormat }> = {
  ctr_drop: { label: 'CTR drop', format: 'percent' },
  click_to_signup_drop: { label: 'Click → signup drop', format: 'percent' },
  signup_to_activation_drop: { label: 'Signup → activation drop', format: 'percent' },
  cpc_spike: { label: 'CPC spike', format: 'money' },
};

export function alertMetric(metric: string): { label: string; format: ValueFormat } {
  return ALERT_METRICS[metric] ?? { label: metric, format: 'percent' };
}

export interface AlertState {
  id: string;
  status: 'FIRING' | 'ACKNOWLEDGED' | 'RESOLVED';
  triggeredAt: string;
  resolvedAt?: string | null;
  updatedAt: string;
}

/**
 * Merges alert rows from queries with the newer states pushed by the `alertChanged` subscription (the latest
 * `updatedAt` wins) and splits them into active (newest first) and resolved (most recently resolved first).
 */
export function mergeAlerts<T extends AlertState>(
  ...sources: readonly (readonly T[])[]
): { active: T[]; resolved: T[] } {
  const byId = new Map<string, T>();
  for (const source of sources) {
    for (const alert of source) {
      const known = byId.get(alert.id);
      if (!known || Date.parse(alert.updatedAt) >= Date.parse(known.updatedAt)) byId.set(alert.id, alert);
    }
  }
  const all = [...byId.values()];
  return {
    active: all
      .filter((alert) => alert.status !== 'RESOLVED')
      .sort((a, b) => Date.parse(b.triggeredAt) - Date.parse(a.triggeredAt)),
    resolved: all
      .filter((alert) => alert.status === 'RESOLVED')
      .sort((a, b) => Date.parse(b.resolvedAt ?? b.updatedAt) - Date.parse(a.resolvedAt ?? a.updatedAt)),
  };
}
