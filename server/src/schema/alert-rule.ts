import {
  ALERT_RULE_LIMITS,
  ALERT_RULE_SCOPES,
  BASELINE_KINDS,
  DETECTION_METHODS,
  MAX_ALERT_RULES,
  type AlertMetric,
  type AlertRuleIssue,
  type AlertRuleScope,
  type AlertSeverity,
  type BaselineKind,
  type DetectionMethod,
} from '@pmd/domain';
import { builder } from '../builder.ts';
import {
  createAlertRule,
  deleteAlertRule,
  MAX_ALERT_RULE_CHANNELS,
  parseRuleId,
  setAlertRuleEnabled,
  updateAlertRule,
} from '../services/alert-rules.ts';
import { AlertRuleValidationError } from '../services/errors.ts';
import { channelView } from '../services/notifications.ts';
import { AlertMetricEnum, AlertSeverityEnum } from './alert.ts';
import { ErrorInterface, NotFoundError } from './error.ts';
import { NotificationChannelRef } from './notification.ts';

/** An enum over one of the domain's value lists (`campaign` → CAMPAIGN), each value described. */
function domainEnum<V extends string>(
  name: string,
  description: string,
  values: Record<V, string>,
  order: readonly V[],
) {
  return builder.enumType(name, {
    description,
    values: Object.fromEntries(
      order.map((value) => [value.toUpperCase(), { value, description: values[value] }]),
    ) as Record<Uppercase<V>, { value: V; description: string }>,
  });
}

export const AlertRuleScopeEnum = domainEnum<AlertRuleScope>(
  'AlertRuleScope',
  'Which campaign+channels a rule judges (each separately).',
  {
    all: 'Every campaign on every channel.',
    campaign: 'One campaign (scopeValue: its id), on each of its channels.',
    channel: 'One channel (scopeValue: e.g. `meta`), every campaign on it.',
  },
  ALERT_RULE_SCOPES,
);

export const DetectionMethodEnum = domainEnum<DetectionMethod>(
  'DetectionMethod',
  'How a rule decides that its metric changed.',
  {
    cusum:
      'Sequential (CUSUM) over the per-minute counts of the last windowMinutes against the baseline rate: fires as soon as the evidence reaches `significance` nats, resolves once recovery evidence reaches `recoverySignificance`. Rate metrics (`*_drop` of a ratio) only.',
    window:
      'The last windowMinutes against the baseline: fires on a relative change of at least minRelativeChange that is significant (|z| ≥ significance; costs: no z) on at least minVolume. Every metric but the target ones.',
    target:
      "A campaign's own number against the target its catalog row sets, over all its channels (alert channel `*`), for active campaigns that set it: fires when beyond the target by minRelativeChange, resolves within recoveryChange. Projected overspend judges today's pacing in the reporting time zone; CPA and ROAS the last windowMinutes, once the spend reaches minVolume. Target metrics (`projected_overspend`, `cpa_above_target`, `roas_below_target`) only, scope all or campaign.",
  },
  DETECTION_METHODS,
);

export const BaselineKindEnum = domainEnum<BaselineKind>(
  'BaselineKind',
  'What a rule compares the recent minutes with.',
  {
    trailing: 'The baselineHours right before the window.',
    last_week:
      'The baselineHours up to the same instant a week earlier (for metrics with a weekly shape, e.g. volumes).',
  },
  BASELINE_KINDS,
);

const range = (field: keyof typeof ALERT_RULE_LIMITS) => {
  const limits = ALERT_RULE_LIMITS[field] as { min?: number; max?: number };
  return `${limits.min} to ${limits.max}`;
};

/** What each setting means (the rule's field and the input's field say the same). */
const SETTING = {
  name: `A unique name (1 to ${ALERT_RULE_LIMITS.name.maxLength} characters).`,
  metric: 'What the rule watches.',
  scope: 'Which campaign+channels it judges.',
  scopeValue: 'The campaign id (scope CAMPAIGN) or channel (scope CHANNEL); null for ALL.',
  method: 'How it decides (CUSUM: rate metrics only).',
  windowMinutes: `Minutes, ${range('windowMinutes')}. WINDOW: the recent window judged against the baseline. CUSUM: the lookback the per-minute statistics run over.`,
  baseline: 'What the recent minutes are compared with.',
  baselineHours: `Hours of baseline, ${range('baselineHours')}.`,
  minRelativeChange: `Relative change that fires, a fraction (0.3 = 30 %), ${range('minRelativeChange')}: a rate or count that much lower, a cost that much higher than its baseline (drops below 1). CUSUM: the drop it is tuned to detect.`,
  recoveryChange:
    'An open alert resolves once the change is milder than this fraction (below minRelativeChange, so it does not flap). CUSUM resolves on recoverySignificance instead.',
  significance: `WINDOW: least |z| of the change (3 = three standard errors; costs have none). CUSUM: evidence in nats that fires (10; lower fires sooner and falsely more often). ${range('significance')}.`,
  recoverySignificance: `CUSUM: evidence in nats of recovery that resolves an open alert (at most significance). WINDOW: unused. ${range('recoverySignificance')}.`,
  minVolume: `Least volume in the window to judge at all, ${range('minVolume')}: a rate's denominator (e.g. impressions for CTR), a cost's units (clicks for CPC, spend / clicks), a volume metric's expected count.`,
  minBaselineVolume: `Least volume of the baseline to trust its value, ${range('minBaselineVolume')}; below it expectedValue stands in, or nothing fires.`,
  expectedValue:
    'The baseline to use while the history is thinner than minBaselineVolume (a new campaign): a rate as a fraction (0.03 = 3 %), a cost, or a count per minute. Null: wait for history.',
  pendingMinutes: `Minutes the condition must hold before the alert fires ("for"), ${range('pendingMinutes')}; meanwhile the alert is PENDING and nobody is notified. 0 fires at once.`,
  severity: 'How loud its alerts are.',
  enabled: 'Disabled rules are not evaluated.',
} as const;

export const AlertRuleRef = builder.prismaObject('AlertRule', {
  description: `A rule the worker evaluates every minute for each campaign+channel in its scope (at most ${MAX_ALERT_RULES} rules).`,
  fields: (t) => ({
    id: t.id({ description: 'The rule id.', resolve: (rule) => String(rule.id) }),
    name: t.exposeString('name', { description: SETTING.name }),
    metric: t.field({ type: AlertMetricEnum, description: SETTING.metric, resolve: (r) => r.metric as AlertMetric }),
    scope: t.field({ type: AlertRuleScopeEnum, description: SETTING.scope, resolve: (r) => r.scope as AlertRuleScope }),
    scopeValue: t.exposeString('scopeValue', { nullable: true, description: SETTING.scopeValue }),
    method: t.field({
      type: DetectionMethodEnum,
      description: SETTING.method,
      resolve: (r) => r.method as DetectionMethod,
    }),
    windowMinutes: t.exposeInt('windowMinutes', { description: SETTING.windowMinutes }),
    baseline: t.field({
      type: BaselineKindEnum,
      description: SETTING.baseline,
      resolve: (r) => r.baseline as BaselineKind,
    }),
    baselineHours: t.exposeInt('baselineHours', { description: SETTING.baselineHours }),
    minRelativeChange: t.exposeFloat('minRelativeChange', { description: SETTING.minRelativeChange }),
    recoveryChange: t.exposeFloat('recoveryChange', { description: SETTING.recoveryChange }),
    significance: t.exposeFloat('significance', { description: SETTING.significance }),
    recoverySignificance: t.exposeFloat('recoverySignificance', { description: SETTING.recoverySignificance }),
    minVolume: t.exposeInt('minVolume', { description: SETTING.minVolume }),
    minBaselineVolume: t.exposeInt('minBaselineVolume', { description: SETTING.minBaselineVolume }),
    expectedValue: t.exposeFloat('expectedValue', { nullable: true, description: SETTING.expectedValue }),
    pendingMinutes: t.exposeInt('pendingMinutes', { description: SETTING.pendingMinutes }),
    severity: t.field({
      type: AlertSeverityEnum,
      description: SETTING.severity,
      resolve: (r) => r.severity as AlertSeverity,
    }),
    enabled: t.exposeBoolean('enabled', { description: SETTING.enabled }),
    channels: t.field({
      type: [NotificationChannelRef],
      description: 'The channels its alerts are announced on, by id. Empty: every enabled channel (the default route).',
      select: { channels: { include: { channel: true }, orderBy: { channelId: 'asc' } } },
      resolve: (rule) => rule.channels.map((route) => channelView(route.channel)),
    }),
    openAlerts: t.relationCount('alerts', {
      description: 'Its unresolved alerts (pending, firing or acknowledged).',
      where: { resolvedAt: null },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'Last change.' }),
  }),
});

export const AlertRuleInputType = builder.inputType('AlertRuleInput', {
  description:
    "Every setting of a rule (a change replaces them all). Checked like the dashboard's form checks them; every problem comes back at once as AlertRuleValidationError.",
  fields: (t) => ({
    name: t.string({ required: true, description: SETTING.name }),
    metric: t.field({ type: AlertMetricEnum, required: true, description: SETTING.metric }),
    scope: t.field({ type: AlertRuleScopeEnum, required: true, description: SETTING.scope }),
    scopeValue: t.string({ required: false, description: SETTING.scopeValue }),
    method: t.field({ type: DetectionMethodEnum, required: true, description: SETTING.method }),
    windowMinutes: t.int({ required: true, description: SETTING.windowMinutes }),
    baseline: t.field({ type: BaselineKindEnum, required: true, description: SETTING.baseline }),
    baselineHours: t.int({ required: true, description: SETTING.baselineHours }),
    minRelativeChange: t.float({ required: true, description: SETTING.minRelativeChange }),
    recoveryChange: t.float({ required: true, description: SETTING.recoveryChange }),
    significance: t.float({ required: true, description: SETTING.significance }),
    recoverySignificance: t.float({ required: true, description: SETTING.recoverySignificance }),
    minVolume: t.int({ required: true, description: SETTING.minVolume }),
    minBaselineVolume: t.int({ required: true, description: SETTING.minBaselineVolume }),
    expectedValue: t.float({ required: false, description: SETTING.expectedValue }),
    pendingMinutes: t.int({ required: true, description: SETTING.pendingMinutes }),
    severity: t.field({ type: AlertSeverityEnum, required: true, description: SETTING.severity }),
    enabled: t.boolean({ required: true, description: SETTING.enabled }),
    channelIds: t.idList({
      required: false,
      defaultValue: [],
      description: `The notification channels it routes to (at most ${MAX_ALERT_RULE_CHANNELS}); empty or absent: every enabled channel.`,
    }),
  }),
});

const AlertRuleIssueRef = builder.objectRef<AlertRuleIssue>('AlertRuleIssue').implement({
  description: 'One refused setting.',
  fields: (t) => ({
    field: t.exposeString('field', { description: 'The AlertRuleInput field, e.g. `recoveryChange` or `channelIds`.' }),
    message: t.exposeString('message', { description: 'Why, for people.' }),
  }),
});

builder.objectType(AlertRuleValidationError, {
  name: 'AlertRuleValidationError',
  description: "A rule's settings were refused; nothing was stored.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    issues: t.field({
      type: [AlertRuleIssueRef],
      description: 'Every problem, each naming its field.',
      resolve: (error) => [...error.issues],
    }),
  }),
});

const DeletedAlertRuleRef = builder.objectRef<{ id: number }>('DeletedAlertRule').implement({
  description: 'A rule that was deleted (its alerts stay, with no rule).',
  fields: (t) => ({ id: t.id({ description: 'Its id.', resolve: (d) => String(d.id) }) }),
});

builder.queryField('alertRules', (t) =>
  t.prismaField({
    authScopes: { reader: true },
    type: ['AlertRule'],
    description: `Every alert rule, by id (at most ${MAX_ALERT_RULES}).`,
    resolve: (query, _root, _args, ctx) => ctx.db.alertRule.findMany({ ...query, orderBy: { id: 'asc' } }),
  }),
);

builder.queryField('alertRule', (t) =>
  t.prismaField({
    authScopes: { reader: true },
    type: 'AlertRule',
    nullable: true,
    description: 'One alert rule by id; null when there is none.',
    args: { id: t.arg.id({ required: true, description: 'The rule id.' }) },
    resolve: (query, _root, { id }, ctx) => {
      const ruleId = parseRuleId(id);
      return ruleId === null ? null : ctx.db.alertRule.findUnique({ ...query, where: { id: ruleId } });
    },
  }),
);

builder.objectField(NotificationChannelRef, 'rules', (t) =>
  t.prismaField({
    type: ['AlertRule'],
    description:
      'The rules routed to this channel by name, by id. Rules without routing notify every enabled channel and are not listed.',
    resolve: (query, channel, _args, ctx) =>
      ctx.db.alertRule.findMany({
        ...query,
        where: { channels: { some: { channelId: channel.id } } },
        orderBy: { id: 'asc' },
      }),
  }),
);

const writeErrors = {
  types: [AlertRuleValidationError, NotFoundError],
  directResult: true as const,
  union: { description: 'The rule as stored, every problem of the input, or NotFoundError.' },
};

builder.mutationField('createAlertRule', (t) =>
  t.field({
    authScopes: { admin: true },
    type: AlertRuleRef,
    description: `Creates a rule (admin scope; at most ${MAX_ALERT_RULES}). The worker evaluates it from its next minute.`,
    errors: writeErrors,
    args: { input: t.arg({ type: AlertRuleInputType, required: true, description: 'The rule.' }) },
    resolve: (_root, { input }, ctx) => createAlertRule(ctx.db, input),
  }),
);

builder.mutationField('updateAlertRule', (t) =>
  t.field({
    authScopes: { admin: true },
    type: AlertRuleRef,
    description:
      'Replaces every setting and the routing of a rule (admin scope). Disabling it, or changing its metric, scope or scope value, closes its unresolved alerts: open ones resolve (channels told they fired hear it), pending ones are cancelled.',
    errors: writeErrors,
    args: {
      id: t.arg.id({ required: true, description: 'The rule id.' }),
      input: t.arg({ type: AlertRuleInputType, required: true, description: 'All its settings.' }),
    },
    resolve: (_root, { id, input }, ctx) => updateAlertRule(ctx.db, id, input),
  }),
);

builder.mutationField('setAlertRuleEnabled', (t) =>
  t.field({
    authScopes: { admin: true },
    type: AlertRuleRef,
    description:
      'Enables or disables a rule (admin scope). Disabling resolves its open alerts (channels told they fired hear it) and cancels its pending ones.',
    errors: { types: [NotFoundError], directResult: true, union: { description: 'The rule, or NotFoundError.' } },
    args: {
      id: t.arg.id({ required: true, description: 'The rule id.' }),
      enabled: t.arg.boolean({ required: true, description: 'Evaluate it (true) or not.' }),
    },
    resolve: (_root, { id, enabled }, ctx) => setAlertRuleEnabled(ctx.db, id, enabled),
  }),
);

builder.mutationField('deleteAlertRule', (t) =>
  t.field({
    authScopes: { admin: true },
    type: DeletedAlertRuleRef,
    description:
      'Deletes a rule with its routing and silences (admin scope). Its open alerts resolve first (channels told they fired hear it) and its pending ones are cancelled; they stay in the history without a rule.',
    errors: {
      types: [NotFoundError],
      directResult: true,
      union: { description: 'The deleted rule, or NotFoundError.' },
    },
    args: { id: t.arg.id({ required: true, description: 'The rule id.' }) },
    resolve: async (_root, { id }, ctx) => ({ id: await deleteAlertRule(ctx.db, id) }),
  }),
);
