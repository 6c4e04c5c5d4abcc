import { ALERT_METRIC_BY_NAME, isAlertMetric, metricView } from '@pmd/domain';
import type { ValueFormat } from './format.ts';

/**
 * An alert metric for people: the schema's `AlertMetric` value (`CPC_SPIKE`) or the stored name (`cpc_spike`) names
 * a domain alert metric, whose KPI gives label and format ("CPC spike"). A value the dashboard does not know yet (a
 * server newer than the bundle) shows its name.
 */
export function alertMetric(metric: string): { label: string; format: ValueFormat } {
  const name = metric.toLowerCase();
  if (!isAlertMetric(name)) return { label: metric, format: 'percent' };
  const { kpi, direction } = ALERT_METRIC_BY_NAME[name];
  const view = metricView(kpi);
  return { label: `${view.label} ${direction}`, format: view.format };
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
