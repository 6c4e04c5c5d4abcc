import {
  ALERT_METRIC_DESCRIPTIONS,
  ALL_CHANNELS,
  ALERT_SEVERITIES,
  type AlertSeverity,
  ALERT_METRICS,
  MAX_ALERT_ACTOR_LENGTH,
  MAX_ALERT_NOTE_LENGTH,
  MAX_SNOOZE_DAYS,
  type AlertMetric,
  type PrismaClient,
} from '@pmd/db';
import { builder } from '../builder.ts';
import { mapStream } from '../live/stream.ts';
import {
  acknowledgeAlert,
  checkAlertActor,
  checkSnoozeUntil,
  countAlerts,
  listAlerts,
  parseAlertId,
  snoozeAlert,
  type AlertStatusValue,
} from '../services/alerts.ts';
import { InvalidArgumentError, NotFoundError } from './error.ts';

export const AlertStatusEnum = builder.enumType('AlertStatus', {
  description: 'Where an alert is in its life.',
  values: {
    PENDING: {
      value: 'pending',
      description: "The rule's condition holds, not yet for its pending period; nobody notified.",
    },
    FIRING: { value: 'firing', description: 'Detected and not yet handled.' },
    ACKNOWLEDGED: { value: 'acknowledged', description: 'Someone is on it; still unresolved.' },
    RESOLVED: {
      value: 'resolved',
      description: 'The metric recovered (set by the anomaly job), or its rule was disabled, changed or deleted.',
    },
    CANCELLED: { value: 'cancelled', description: 'Was pending; cleared before its period, never fired.' },
  } as const,
});

const SEVERITY_DESCRIPTIONS: Record<AlertSeverity, string> = {
  info: 'Worth knowing.',
  warning: 'Look at it soon.',
  critical: 'Act now.',
};

export const AlertSeverityEnum = builder.enumType('AlertSeverity', {
  description: "How loud an alert is: its rule's severity when it was raised (shown with it and in notifications).",
  values: Object.fromEntries(
    ALERT_SEVERITIES.map((severity) => [
      severity.toUpperCase(),
      { value: severity, description: SEVERITY_DESCRIPTIONS[severity] },
    ]),
  ) as Record<Uppercase<AlertSeverity>, { value: AlertSeverity; description: string }>,
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
    channel: t.exposeString('channel', {
      description: `The channel; \`${ALL_CHANNELS}\` for a target rule's alert, which judges the campaign over all its channels.`,
    }),
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
        "Start of the baseline baselineValue was computed over (it ends at baselineEnd). Null for alerts older than this field, and when the rule's expectedValue stood in for a baseline too thin.",
    }),
    baselineEnd: t.expose('baselineEnd', {
      type: 'DateTime',
      nullable: true,
      description:
        'End of the baseline (exclusive): set when it does not end where the window starts (a baseline a week back); null = the baseline ends at windowStart.',
    }),
    rule: t.relation('rule', {
      nullable: true,
      description: 'The rule that raised it; null once that rule is deleted (and for alerts older than rules).',
    }),
    severity: t.field({
      type: AlertSeverityEnum,
      description: "Its rule's severity when it was raised.",
      resolve: (alert) => alert.severity as AlertSeverity,
    }),
    pendingSince: t.expose('pendingSince', {
      type: 'DateTime',
      nullable: true,
      description:
        "When its condition started to hold, for an alert that waited out its rule's pending period (it fires at pendingSince + the rule's pendingMinutes if it holds); null for one that fired at once.",
    }),
    message: t.exposeString('message', { description: 'A sentence for people.' }),
    status: t.field({
      type: AlertStatusEnum,
      description: 'Pending, firing, acknowledged, resolved or cancelled.',
      resolve: (a) => a.status as AlertStatusValue,
    }),
    acknowledgedAt: t.expose('acknowledgedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was acknowledged.',
    }),
    acknowledgedBy: t.exposeString('acknowledgedBy', {
      nullable: true,
      description: 'Who acknowledged it, as they gave their name.',
    }),
    acknowledgeNote: t.exposeString('acknowledgeNote', {
      nullable: true,
      description: 'The note given when it was acknowledged.',
    }),
    snoozedUntil: t.expose('snoozedUntil', {
      type: 'DateTime',
      nullable: true,
      description:
        'Notifications about it wait until then (it keeps firing and resolving meanwhile); null or past: not snoozed.',
    }),
    history: t.relation('stateChanges', {
      description: 'Every state change, oldest first: fired, acknowledged, snoozed or woken, resolved.',
      query: { orderBy: [{ at: 'asc' }, { id: 'asc' }] },
    }),
    resolvedAt: t.expose('resolvedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it resolved (or, for a cancelled alert, when its pending ended).',
    }),
    firingSeconds: t.int({
      nullable: true,
      description:
        'How long it has fired: from triggeredAt to resolvedAt, or to now while unresolved (whole seconds). Null for pending and cancelled alerts, which never fired.',
      resolve: (alert) =>
        alert.status === 'pending' || alert.status === 'cancelled'
          ? null
          : Math.max(0, Math.floor(((alert.resolvedAt ?? new Date()).getTime() - alert.triggeredAt.getTime()) / 1000)),
    }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'Last state change.' }),
  }),
});

export const AlertStateChangeRef = builder.prismaObject('AlertStateChange', {
  description: "One change of an alert's state, as the trigger recorded it with the change.",
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime', description: 'When it changed.' }),
    fromStatus: t.field({
      type: AlertStatusEnum,
      nullable: true,
      description: 'The status before; null for the change that created the alert.',
      resolve: (change) => change.fromStatus as AlertStatusValue | null,
    }),
    toStatus: t.field({
      type: AlertStatusEnum,
      description: 'The status after (a snooze keeps the status and changes snoozedUntil).',
      resolve: (change) => change.toStatus as AlertStatusValue,
    }),
    snoozedUntil: t.expose('snoozedUntil', {
      type: 'DateTime',
      nullable: true,
      description: 'The snooze after the change.',
    }),
    actor: t.exposeString('actor', {
      nullable: true,
      description: 'Who made it, as they gave their name; null for the system (the anomaly job).',
    }),
    note: t.exposeString('note', { nullable: true, description: 'Their note.' }),
    currentValue: t.exposeFloat('currentValue', { description: "The alert's current value at the change." }),
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

const actorArgs = builder.args((t) => ({
  by: t.string({
    required: false,
    description: `Who does it (a name, at most ${MAX_ALERT_ACTOR_LENGTH} characters), kept in the alert's history.`,
  }),
  note: t.string({
    required: false,
    description: `Why, or what is being done (at most ${MAX_ALERT_NOTE_LENGTH} characters), kept in the history.`,
  }),
}));

async function alertAfterChange(ctx: { db: PrismaClient }, alertId: number, missing: NotFoundError) {
  const alert = await ctx.db.alert.findUnique({ where: { alertId } });
  if (!alert) throw missing;
  return alert;
}

builder.mutationField('acknowledgeAlert', (t) =>
  t.field({
    authScopes: { reader: true },
    type: AlertRef,
    description:
      'Marks a firing alert acknowledged, with who and why (an acknowledged alert keeps its first acknowledgement; a resolved one stays resolved). Subscribers of alertChanged are told.',
    errors: {
      types: [NotFoundError, InvalidArgumentError],
      directResult: true,
      union: { description: 'The alert as it is now, NotFoundError, or why the name or note was refused.' },
    },
    args: { id: t.arg.id({ required: true, description: 'The alert id (alert_id).' }), ...actorArgs },
    resolve: async (_root, { id, by, note }, ctx) => {
      const alertId = parseAlertId(id);
      const missing = new NotFoundError(`No alert has id "${id}".`, 'Alert', String(id));
      const actor = checkAlertActor({ by, note });
      if (alertId === null || !(await acknowledgeAlert(ctx.pool, alertId, actor))) throw missing;
      return alertAfterChange(ctx, alertId, missing);
    },
  }),
);

builder.mutationField('snoozeAlert', (t) =>
  t.field({
    authScopes: { reader: true },
    type: AlertRef,
    description: `Snoozes an unresolved alert until a time (at most ${MAX_SNOOZE_DAYS} days ahead), or wakes it with \`until: null\`: its notifications wait, it keeps firing and resolving meanwhile. Kept in its history with who and why; subscribers of alertChanged are told.`,
    errors: {
      types: [NotFoundError, InvalidArgumentError],
      directResult: true,
      union: {
        description: 'The alert as it is now, NotFoundError (no unresolved alert), or why an argument was refused.',
      },
    },
    args: {
      id: t.arg.id({ required: true, description: 'The alert id (alert_id).' }),
      until: t.arg({ type: 'DateTime', required: false, description: 'Snoozed until then; null or absent wakes it.' }),
      ...actorArgs,
    },
    resolve: async (_root, { id, until, by, note }, ctx) => {
      const alertId = parseAlertId(id);
      const missing = new NotFoundError(`No unresolved alert has id "${id}".`, 'Alert', String(id));
      const actor = checkAlertActor({ by, note });
      const snoozeUntil = checkSnoozeUntil(until ?? null);
      if (alertId === null || !(await snoozeAlert(ctx.pool, alertId, snoozeUntil, actor))) throw missing;
      return alertAfterChange(ctx, alertId, missing);
    },
  }),
);

export const AlertChangeKindEnum = builder.enumType('AlertChangeKind', {
  description: 'What happened to an alert.',
  values: {
    PENDING: { value: 'pending', description: "Its condition holds, not yet for its rule's pending period." },
    FIRED: { value: 'firing', description: 'It fired (a new alert, or a pending one whose period passed).' },
    ACKNOWLEDGED: { value: 'acknowledged', description: 'Someone acknowledged it.' },
    RESOLVED: { value: 'resolved', description: 'It resolved.' },
    CANCELLED: { value: 'cancelled', description: 'A pending alert cleared before its period; it never fired.' },
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
    description:
      'Every alert state change (pending, fired, acknowledged, snoozed, resolved, cancelled), within a second of the database write.',
    subscribe: (_root, _args, ctx) =>
      mapStream(ctx.pubsub.subscribe('alert:changed'), async ({ alertId, status }) => {
        const alert = await ctx.db.alert.findUnique({ where: { alertId } });
        return alert ? { kind: status, alertId, alert } : null;
      }),
    resolve: (change) => change,
  }),
);
