import {
  MAX_ALERT_RULES,
  NOTIFY_CHANNELS,
  validateAlertRule,
  type AlertMetric,
  type AlertRuleIssue,
  type AlertRuleModel,
  type AlertRuleScope,
  type AlertRuleSettings,
  type AlertSeverity,
  type BaselineKind,
  type DetectionMethod,
  type Prisma,
  type PrismaClient,
} from '@pmd/db';
import { AlertRuleValidationError, NotFoundError } from './errors.ts';
import { parseChannelId } from './notifications.ts';

/**
 * Alert rules (create, change, enable, delete). The worker evaluates every enabled row each minute; the checks here
 * are @pmd/domain's validateAlertRule (the dashboard's form runs the same) plus what only the database knows: the
 * name is free, the routed channels exist, and there are at most MAX_ALERT_RULES rules.
 */

/** A rule as the API takes it: every setting, and the channels it routes to (none = every enabled channel). */
export interface AlertRuleInput {
  name: string;
  metric: AlertMetric;
  scope: AlertRuleScope;
  scopeValue?: string | null;
  method: DetectionMethod;
  windowMinutes: number;
  baseline: BaselineKind;
  baselineHours: number;
  minRelativeChange: number;
  recoveryChange: number;
  significance: number;
  recoverySignificance: number;
  minVolume: number;
  minBaselineVolume: number;
  expectedValue?: number | null;
  pendingMinutes: number;
  severity: AlertSeverity;
  enabled: boolean;
  channelIds?: readonly (string | number)[] | null;
}

/** Most channels one rule routes to; far above any real setup, it only bounds the input. */
export const MAX_ALERT_RULE_CHANNELS = 100;

type Transaction = Prisma.TransactionClient;

const notFound = (id: string | number) => new NotFoundError(`No alert rule has id "${id}".`, 'AlertRule', String(id));

/** A rule id from GraphQL's ID (a positive int), or null. */
export const parseRuleId = parseChannelId;

/** The domain's settings of an input: names and scope values trimmed, a blank scope value is none. */
export function ruleSettings(input: AlertRuleInput): AlertRuleSettings {
  const { channelIds: _routing, ...settings } = input;
  return {
    ...settings,
    name: input.name.trim(),
    scopeValue: input.scopeValue?.trim() || null,
    expectedValue: input.expectedValue ?? null,
  };
}

/** Every problem of the input's settings (the domain's rules only: what a backtest needs). */
export function checkRuleSettings(input: AlertRuleInput): AlertRuleSettings {
  const settings = ruleSettings(input);
  const issues = validateAlertRule(settings);
  if (issues.length) throw new AlertRuleValidationError(issues);
  return settings;
}

/** The routed channel ids, deduplicated, with an issue for each that names no channel. */
async function routing(
  tx: Transaction,
  ids: readonly (string | number)[] | null | undefined,
  issues: AlertRuleIssue[],
): Promise<number[]> {
  const given = [...new Set((ids ?? []).map(String))];
  if (given.length > MAX_ALERT_RULE_CHANNELS) {
    issues.push({ field: 'channelIds', message: `a rule routes to at most ${MAX_ALERT_RULE_CHANNELS} channels` });
    return [];
  }
  const parsed = given.map((id) => [id, parseChannelId(id)] as const);
  const numeric = parsed.flatMap(([, id]) => (id === null ? [] : [id]));
  const existing = new Set(
    (await tx.notificationChannel.findMany({ where: { id: { in: numeric } }, select: { id: true } })).map((c) => c.id),
  );
  const unknown = parsed.filter(([, id]) => id === null || !existing.has(id)).map(([text]) => text);
  if (unknown.length) {
    issues.push({
      field: 'channelIds',
      message: `no notification channel has id ${unknown.map((id) => JSON.stringify(id.slice(0, 20))).join(', ')}`,
    });
  }
  return numeric.filter((id) => existing.has(id));
}

/**
 * Runs a rule write in a transaction that first locks alert_rules against other writers (readers and the worker's
 * reads go on), so the rule count and the free-name check cannot race with a concurrent create or rename.
 */
function ruleWrite<T>(db: PrismaClient, write: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe('LOCK TABLE alert_rules IN SHARE ROW EXCLUSIVE MODE');
    return write(tx);
  });
}

/** Validates an input for the rule `id` (null: a new one); returns its settings and channels, or throws every issue. */
async function validated(tx: Transaction, input: AlertRuleInput, id: number | null) {
  const settings = ruleSettings(input);
  const issues = validateAlertRule(settings);
  const channelIds = await routing(tx, input.channelIds, issues);
  const sameName = await tx.alertRule.findFirst({
    where: { name: settings.name, ...(id === null ? {} : { id: { not: id } }) },
    select: { id: true },
  });
  if (sameName) issues.push({ field: 'name', message: `a rule named ${JSON.stringify(settings.name)} exists already` });
  if (id === null && (await tx.alertRule.count()) >= MAX_ALERT_RULES) {
    // The form shows issues next to fields; a new rule's name is where "no room for another" reads best.
    issues.push({ field: 'name', message: `there are ${MAX_ALERT_RULES} rules already, the most allowed: delete one` });
  }
  if (issues.length) throw new AlertRuleValidationError(issues);
  return { settings, channelIds };
}

/**
 * Locks a rule's row until the transaction ends. A worker run holds its rules FOR SHARE while it writes
 * their alerts, so this waits for a run in flight and the run after it sees the change: an alert the run raised for
 * a rule being disabled or deleted is then closed here, never left open behind it. Taken before any alert is touched,
 * so the two lock in the same order (rule, then alerts) and cannot deadlock.
 */
async function lockRule(tx: Transaction, ruleId: number): Promise<void> {
  await tx.$queryRawUnsafe('SELECT 1 FROM alert_rules WHERE id = $1 FOR UPDATE', ruleId);
}

/**
 * Closes a rule's unresolved alerts: open ones resolve (so the channels told they fired hear they resolved), pending
 * ones are cancelled; each change is announced on alertChanged and kept in the alert's history with `note`.
 */
async function closeAlertsOf(tx: Transaction, ruleId: number, note: string): Promise<void> {
  await tx.$queryRawUnsafe(`SELECT set_config('pmd.actor', '', true), set_config('pmd.note', $1, true)`, note);
  await tx.$queryRawUnsafe(
    `WITH closed AS (
       UPDATE alerts SET status = CASE status WHEN 'pending' THEN 'cancelled' ELSE 'resolved' END,
                         resolved_at = now(), updated_at = now()
       WHERE rule_id = $1 AND resolved_at IS NULL
       RETURNING alert_id, status
     )
     SELECT count(pg_notify($2, json_build_object('alertId', alert_id, 'status', status)::text))::int AS closed
     FROM closed`,
    ruleId,
    NOTIFY_CHANNELS.alertChanged,
  );
}

export async function createAlertRule(db: PrismaClient, input: AlertRuleInput): Promise<AlertRuleModel> {
  return ruleWrite(db, async (tx) => {
    const { settings, channelIds } = await validated(tx, input, null);
    return tx.alertRule.create({
      data: { ...settings, channels: { create: channelIds.map((channelId) => ({ channelId })) } },
    });
  });
}

/**
 * Replaces a rule's settings and routing. Alerts raised under a different metric or scope describe something the
 * rule no longer watches (and the worker would never judge them again), so a change of metric, scope or scope value
 * closes the rule's unresolved alerts, as disabling does.
 */
export async function updateAlertRule(
  db: PrismaClient,
  id: string | number,
  input: AlertRuleInput,
): Promise<AlertRuleModel> {
  const ruleId = parseRuleId(id);
  if (ruleId === null) throw notFound(id);
  return ruleWrite(db, async (tx) => {
    await lockRule(tx, ruleId);
    const existing = await tx.alertRule.findUnique({ where: { id: ruleId } });
    if (!existing) throw notFound(id);
    const { settings, channelIds } = await validated(tx, input, ruleId);
    const watchesOther =
      existing.metric !== settings.metric ||
      existing.scope !== settings.scope ||
      existing.scopeValue !== settings.scopeValue;
    if (!settings.enabled && existing.enabled) await closeAlertsOf(tx, ruleId, `rule "${existing.name}" disabled`);
    else if (watchesOther) await closeAlertsOf(tx, ruleId, `rule "${existing.name}" changed what it watches`);
    await tx.alertRuleChannel.deleteMany({ where: { ruleId } });
    return tx.alertRule.update({
      where: { id: ruleId },
      data: {
        ...settings,
        updatedAt: new Date(),
        channels: { create: channelIds.map((channelId) => ({ channelId })) },
      },
    });
  });
}

/** Enables or disables a rule; disabling resolves its open alerts and cancels its pending ones. */
export async function setAlertRuleEnabled(
  db: PrismaClient,
  id: string | number,
  enabled: boolean,
): Promise<AlertRuleModel> {
  const ruleId = parseRuleId(id);
  if (ruleId === null) throw notFound(id);
  return db.$transaction(async (tx) => {
    await lockRule(tx, ruleId);
    const existing = await tx.alertRule.findUnique({ where: { id: ruleId } });
    if (!existing) throw notFound(id);
    if (!enabled && existing.enabled) await closeAlertsOf(tx, ruleId, `rule "${existing.name}" disabled`);
    return tx.alertRule.update({ where: { id: ruleId }, data: { enabled, updatedAt: new Date() } });
  });
}

/**
 * Deletes a rule, its routing and its silences. Its unresolved alerts are closed first in the same transaction (so
 * receivers hear "resolved"); they stay in the history with no rule.
 */
export async function deleteAlertRule(db: PrismaClient, id: string | number): Promise<number> {
  const ruleId = parseRuleId(id);
  if (ruleId === null) throw notFound(id);
  return db.$transaction(async (tx) => {
    await lockRule(tx, ruleId);
    const existing = await tx.alertRule.findUnique({ where: { id: ruleId }, select: { name: true } });
    if (!existing) throw notFound(id);
    await closeAlertsOf(tx, ruleId, `rule "${existing.name}" deleted`);
    await tx.alertRule.delete({ where: { id: ruleId } });
    return ruleId;
  });
}
