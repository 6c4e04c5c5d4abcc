import { ALERT_METRIC_DESCRIPTIONS, ALERT_METRICS, type AlertMetric } from '@pmd/db';
import { builder } from '../builder.ts';
import { mapStream } from '../live/stream.ts';
import { acknowledgeAlert, countAlerts, listAlerts, parseAlertId, type AlertStatusValue } from '../services/alerts.ts';
import { NotFoundError } from './error.ts';

export const AlertStatusEnum = builder.enumType('AlertStatus', {
  description: 'Where an alert is in its life.',
  values: {
    FIRING: { value: 'firing', description: 'Detected and not yet handled.' },
    ACKNOWLEDGED: { value: 'acknowledged', description: 'Someone is on it; still unresolved.' },
    RESOLVED: { value: 'resolved', description: 'The metric recovered (set by the anomaly job).' },
  } as const,
});

/** CTR_DROP = `ctr_drop`, …: built from the worker's list, so a new metric cannot be missed here. */
export const AlertMetricEnum = builder.enumType('AlertMetric', {
  description:
    'What an alert watches; the values stand for the stored strings (`ctr_drop`, …) that REST `/alerts/active` returns.',
  values: Object.fromEntries(
    ALERT_METRICS.map((metric) => [
      metric.toUpperCase(),
      { value: metric, description: `\`${metric}\`: ${ALERT_METRIC_DESCRIPTIONS[metric]}` },
    ]),
  ) as Record<Uppercase<AlertMetric>, { value: AlertMetric; description: string }>,
});

export const AlertRef = builder.prismaObject('Alert', {
  description: 'An anomaly of a campaign and channel found by the anomaly_alerts job.',
  fields: (t) => ({
    id: t.id({ description: 'The alert id (alert_id) as an ID.', resolve: (alert) => String(alert.alertId) }),
    alertId: t.exposeInt('alertId', { description: 'The alert id (alert_id).' }),
    triggeredAt: t.expose('triggeredAt', { type: 'DateTime', description: 'When it fired.' }),
    campaignId: t.exposeString('campaignId', { description: 'The campaign.' }),
    channel: t.exposeString('channel', { description: 'The channel.' }),
    metric: t.field({
      type: AlertMetricEnum,
      description: 'What dropped or spiked.',
      resolve: (alert) => alert.metric as AlertMetric,
    }),
    currentValue: t.exposeFloat('currentValue', {
      description:
        "The metric over [windowStart, windowEnd): the minutes the anomaly job's latest evidence covers (refreshed every run while open, so it describes now; on resolve, the recovered minutes).",
    }),
    baselineValue: t.exposeFloat('baselineValue', {
      description: 'The metric over the baseline [baselineStart, windowStart) it is compared with.',
    }),
    thresholdValue: t.exposeFloat('thresholdValue', { description: 'The value the current one crossed.' }),
    worstValue: t.exposeFloat('worstValue', {
      nullable: true,
      description:
        'The worst value while the alert was open (the lowest rate of a drop, the highest cost of a spike), kept when currentValue is refreshed or recovers. Null for alerts older than this field.',
    }),
    windowStart: t.expose('windowStart', {
      type: 'DateTime',
      nullable: true,
      description:
        'Start of the window currentValue was computed over (inclusive); null for alerts older than this field.',
    }),
    windowEnd: t.expose('windowEnd', {
      type: 'DateTime',
      nullable: true,
      description:
        "End of the window currentValue was computed over (exclusive; the run's tick); null for alerts older than this field.",
    }),
    baselineStart: t.expose('baselineStart', {
      type: 'DateTime',
      nullable: true,
      description:
        'Start of the baseline baselineValue was computed over; it ends where the window starts. Null for alerts older than this field.',
    }),
    message: t.exposeString('message', { description: 'A sentence for people.' }),
    status: t.field({
      type: AlertStatusEnum,
      description: 'Firing, acknowledged or resolved.',
      resolve: (a) => a.status as AlertStatusValue,
    }),
    acknowledgedAt: t.expose('acknowledgedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was acknowledged.',
    }),
    resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true, description: 'When it resolved.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'Last state change.' }),
  }),
});

builder.queryField('alerts', (t) =>
  t.prismaConnection(
    {
      type: 'Alert',
      cursor: 'alertId',
      authScopes: { reader: true },
      description: 'Alerts, newest first, optionally by status and campaign (Relay cursor pagination).',
      args: {
        status: t.arg({ type: [AlertStatusEnum], required: false, description: 'Any of these statuses.' }),
        campaignId: t.arg.string({ required: false, description: 'Only this campaign.' }),
      },
      totalCount: (_root, args, ctx) => countAlerts(ctx.db, args),
      resolve: (query, _root, args, ctx) => listAlerts(ctx.db, args, query),
    },
    {
      name: 'QueryAlertsConnection',
      description: 'A page of alerts.',
      // Replaces the plugin's undescribed totalCount field (same extension, so a count-only query skips the rows).
      fields: (t) => ({
        totalCount: t.int({
          description: 'Alerts matching the filter, across all pages.',
          extensions: { pothosPrismaTotalCount: true },
          resolve: (connection) => (connection as unknown as { totalCount: () => Promise<number> }).totalCount(),
        }),
      }),
    },
    { name: 'AlertEdge', description: 'An alert and its cursor.' },
  ),
);

builder.queryField('alert', (t) =>
  t.prismaField({
    authScopes: { reader: true },
    type: 'Alert',
    nullable: true,
    description: 'One alert by id (its alert_id); null when there is none.',
    args: { id: t.arg.id({ required: true, description: 'The alert id.' }) },
    resolve: (query, _root, { id }, ctx) => {
      const alertId = parseAlertId(id);
      return alertId === null ? null : ctx.db.alert.findUnique({ ...query, where: { alertId } });
    },
  }),
);

builder.mutationField('acknowledgeAlert', (t) =>
  t.field({
    authScopes: { reader: true },
    type: AlertRef,
    description:
      'Marks a firing alert acknowledged (an acknowledged alert keeps its first acknowledgement; a resolved one stays resolved). Subscribers of alertChanged are told.',
    errors: {
      types: [NotFoundError],
      directResult: true,
      union: { description: 'The alert as it is now, or NotFoundError.' },
    },
    args: { id: t.arg.id({ required: true, description: 'The alert id (alert_id).' }) },
    resolve: async (_root, { id }, ctx) => {
      const alertId = parseAlertId(id);
      const missing = new NotFoundError(`No alert has id "${id}".`, 'Alert', String(id));
      if (alertId === null || !(await acknowledgeAlert(ctx.pool, alertId))) throw missing;
      const alert = await ctx.db.alert.findUnique({ where: { alertId } });
      if (!alert) throw missing;
      return alert;
    },
  }),
);

export const AlertChangeKindEnum = builder.enumType('AlertChangeKind', {
  description: 'What happened to an alert.',
  values: {
    FIRED: { value: 'firing', description: 'It fired (new alert).' },
    ACKNOWLEDGED: { value: 'acknowledged', description: 'Someone acknowledged it.' },
    RESOLVED: { value: 'resolved', description: 'It resolved.' },
  } as const,
});

interface AlertChange {
  kind: AlertStatusValue;
  alertId: number;
}

const AlertChangeRef = builder.objectRef<AlertChange & { alert: unknown }>('AlertChange').implement({
  description: 'An alert state change, with the alert as it is now.',
  fields: (t) => ({
    kind: t.field({ type: AlertChangeKindEnum, description: 'What happened.', resolve: (change) => change.kind }),
    alert: t.field({
      type: AlertRef,
      description: 'The alert, re-read after the change.',
      resolve: (change) => change.alert as never,
    }),
  }),
});

builder.subscriptionField('alertChanged', (t) =>
  t.field({
    authScopes: { reader: true },
    type: AlertChangeRef,
    description: 'Every alert state change (fired, acknowledged, resolved), within a second of the database write.',
    subscribe: (_root, _args, ctx) =>
      mapStream(ctx.pubsub.subscribe('alert:changed'), async ({ alertId, status }) => {
        const alert = await ctx.db.alert.findUnique({ where: { alertId } });
        return alert ? { kind: status, alertId, alert } : null;
      }),
    resolve: (change) => change,
  }),
);
