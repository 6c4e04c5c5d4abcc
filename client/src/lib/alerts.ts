import { ALERT_METRIC_BY_NAME, alertMetricWatches, isAlertMetric, metricView } from '@pmd/domain';
import { formatTimestamp, type ValueFormat } from './format.ts';

/**
 * An alert metric for people: the schema's `AlertMetric` value (`CPC_SPIKE`) or the stored name (`cpc_spike`) names
 * a domain alert metric, whose watched KPI or counter gives label and format ("CPC spike", "Impressions drop" as a
 * count). A value the dashboard does not know yet (a server newer than the bundle) shows its name.
 */
export function alertMetric(metric: string): { label: string; format: ValueFormat } {
  const name = metric.toLowerCase();
  if (!isAlertMetric(name)) return { label: metric, format: 'percent' };
  const view = metricView(alertMetricWatches(name));
  return { label: `${view.label} ${ALERT_METRIC_BY_NAME[name].direction}`, format: view.format };
}

export interface AlertState {
  id: string;
  status: 'PENDING' | 'FIRING' | 'ACKNOWLEDGED' | 'RESOLVED' | 'CANCELLED';
  triggeredAt: string;
  resolvedAt?: string | null;
  updatedAt: string;
}

/** Statuses of an alert that is still open: pending (not yet fired), firing, acknowledged. */
const ACTIVE_STATUSES: ReadonlySet<AlertState['status']> = new Set(['PENDING', 'FIRING', 'ACKNOWLEDGED']);

/**
 * Merges alert rows from queries with the newer states pushed by the `alertChanged` subscription (the latest
 * `updatedAt` wins) and splits them into active (newest first) and resolved (most recently resolved first). A
 * cancelled alert (pending, cleared before its rule's period) never fired: it is in neither list, and a pending alert
 * pushed as cancelled leaves the active one.
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
      .filter((alert) => ACTIVE_STATUSES.has(alert.status))
      .sort((a, b) => Date.parse(b.triggeredAt) - Date.parse(a.triggeredAt)),
    resolved: all
      .filter((alert) => alert.status === 'RESOLVED')
      .sort((a, b) => Date.parse(b.resolvedAt ?? b.updatedAt) - Date.parse(a.resolvedAt ?? a.updatedAt)),
  };
}

/** One entry of an alert's history (`Alert.history`): a status change, or a snooze within a status. */
export interface AlertChange {
  fromStatus?: string | null;
  toStatus: string;
  snoozedUntil?: string | null;
}

const CHANGE_WORDS: Record<string, string> = {
  FIRING: 'Fired',
  ACKNOWLEDGED: 'Acknowledged',
  RESOLVED: 'Resolved',
  CANCELLED: 'Cancelled (cleared before its pending period)',
};

/**
 * A history entry in words. The first is the alert's creation: "Fired", or "Pending" for a rule with a pending
 * period; a pending alert then "Fired" (its period held) or was "Cancelled". Within a status, a snooze or a wake.
 */
export function describeAlertChange(change: AlertChange, previous: AlertChange | undefined): string {
  if (change.fromStatus === null || change.fromStatus === undefined) {
    return change.toStatus === 'PENDING' ? 'Pending' : 'Fired';
  }
  if (change.fromStatus !== change.toStatus) return CHANGE_WORDS[change.toStatus] ?? change.toStatus.toLowerCase();
  if (change.snoozedUntil) return `Snoozed until ${formatTimestamp(change.snoozedUntil)}`;
  return previous?.snoozedUntil ? 'Woken' : 'Changed';
}
