import { METRIC_NAMES, metricView, type MetricName } from '@pmd/domain';
import type { ValueFormat } from './format.ts';

/**
 * The worker's alert metrics, for people. It names them `<registry metric in snake_case>_drop` or `_spike`
 * (`click_to_signup_drop`, `cpc_spike`), so label and format come from the registry; anything else shows its key.
 */
export function alertMetric(metric: string): { label: string; format: ValueFormat } {
  const [, snake, kind] = /^([a-z0-9_]+)_(drop|spike)$/.exec(metric) ?? [];
  const name = snake?.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
  if (!name || !(METRIC_NAMES as readonly string[]).includes(name)) return { label: metric, format: 'percent' };
  const view = metricView(name as MetricName);
  return { label: `${view.label} ${kind}`, format: view.format };
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
