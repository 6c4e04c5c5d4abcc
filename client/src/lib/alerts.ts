import type { AlertMetric } from '@/gql/graphql.ts';
import type { ValueFormat } from './format.ts';

/** The schema's AlertMetric values, for people; CPC (spend / clicks) is money, the rest are ratios. */
export const ALERT_METRICS: Record<AlertMetric, { label: string; format: ValueFormat }> = {
  CTR_DROP: { label: 'CTR drop', format: 'percent' },
  CLICK_TO_SIGNUP_DROP: { label: 'Click → signup drop', format: 'percent' },
  SIGNUP_TO_ACTIVATION_DROP: { label: 'Signup → activation drop', format: 'percent' },
  CPC_SPIKE: { label: 'CPC spike', format: 'money' },
};

/** A value the dashboard does not know yet (a server newer than the bundle) falls back to its name. */
export function alertMetric(metric: AlertMetric | string): { label: string; format: ValueFormat } {
  return ALERT_METRICS[metric as AlertMetric] ?? { label: metric, format: 'percent' };
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
