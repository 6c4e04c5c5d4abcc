import {
  ALL_CHANNELS,
  type AlertMetric,
  alertWorseIsLower,
  type AlertRuleScope,
  type AlertSeverity,
  type DetectionRule,
  type CampaignStatus,
  isAlertMetric,
  type KpiSums,
  pacingWindows,
  sumsOfRollupRow,
  ZERO_SUMS,
} from '@pmd/domain';
import {
  type AlertPhase,
  type AlertTransition,
  type CampaignTargets,
  campaignTarget,
  decideTransition,
  evaluateRule,
  evaluateTarget,
  isTargetRule,
  judgesPacing,
  pacingSpend,
  type RuleEvaluation,
  type RuleHistory,
  ruleRanges,
  type TargetHistory,
} from '@pmd/domain/detection';
import type pg from 'pg';
import { alertMessage } from './alert-message.ts';
import {
  CAMPAIGN_SPEND_IN_RANGES_SQL,
  CAMPAIGN_SUMS_SQL,
  CANCEL_ALERTS_SQL,
  ENABLED_RULES_SQL,
  INSERT_ALERTS_SQL,
  PROMOTE_ALERTS_SQL,
  RECENTLY_RESOLVED_SQL,
  REFRESH_ALERTS_SQL,
  RESOLVE_ALERTS_SQL,
  RULE_HISTORY_SQL,
  TARGET_CAMPAIGNS_SQL,
  UNRESOLVED_ALERTS_SQL,
} from './alerts-sql.ts';
import { inTransaction } from './transaction.ts';

/** A row of `alert_rules` as ENABLED_RULES_SQL reads it. */
interface RuleRow {
  id: number;
  name: string;
  metric: string;
  scope: AlertRuleScope;
  scope_value: string | null;
  method: DetectionRule['method'];
  window_minutes: number;
  baseline: DetectionRule['baseline'];
  baseline_hours: number;
  min_relative_change: number;
  recovery_change: number;
  significance: number;
  recovery_significance: number;
  min_volume: number;
  min_baseline_volume: number;
  expected_value: number | null;
  pending_minutes: number;
  severity: AlertSeverity;
}

/** An enabled rule: what evaluateRule needs, plus where it looks and how loud its alerts are. */
export interface EnabledRule extends DetectionRule {
  id: number;
  scope: AlertRuleScope;
  scopeValue: string | null;
  severity: AlertSeverity;
}

function ruleOfRow(row: RuleRow & { metric: AlertMetric }): EnabledRule {
  return {
    id: row.id,
    metric: row.metric,
    scope: row.scope,
    scopeValue: row.scope_value,
    method: row.method,
    windowMinutes: row.window_minutes,
    baseline: row.baseline,
    baselineHours: row.baseline_hours,
    minRelativeChange: row.min_relative_change,
    recoveryChange: row.recovery_change,
    significance: row.significance,
    recoverySignificance: row.recovery_significance,
    minVolume: row.min_volume,
    minBaselineVolume: row.min_baseline_volume,
    expectedValue: row.expected_value,
    pendingMinutes: row.pending_minutes,
    severity: row.severity,
  };
}

export interface SumsRow {
  campaign_id: string;
  channel: string;
  [column: string]: string | number | Date | null;
}

/** Whether a rule's scope covers a campaign+channel. */
function inScope(rule: EnabledRule, campaignId: string, channel: string): boolean {
  if (rule.scope === 'campaign') return campaignId === rule.scopeValue;
  if (rule.scope === 'channel') return channel === rule.scopeValue;
  return true;
}

const keyOf = (...parts: (string | number)[]) => parts.join('\u0000');

/** One campaign+channel's history for one range group: baseline sums and the window's minutes. */
interface KeyHistory extends RuleHistory {
  campaignId: string;
  channel: string;
  minutes: { minute: number; sums: KpiSums }[];
}

/**
 * Reads the history of the rules that share one set of ranges (one query: the baseline's sums and the window's
 * minutes of every campaign+channel any of them covers). Only campaign+channel keys with rows in one of the two
 * ranges come back, so only they are judged: the backtest (domain detection/backtest.ts) judges the same keys.
 */
async function readHistories(
  client: pg.ClientBase,
  rules: readonly EnabledRule[],
  tick: number,
): Promise<KeyHistory[]> {
  const ranges = ruleRanges(rules[0]!, tick);
  const everything = rules.some((rule) => rule.scope === 'all');
  const scoped = (scope: AlertRuleScope) =>
    rules.flatMap((rule) => (rule.scope === scope && rule.scopeValue !== null ? [rule.scopeValue] : []));
  const { rows } = await client.query<SumsRow & { minute: Date | null }>(RULE_HISTORY_SQL, [
    new Date(ranges.baselineStart),
    new Date(ranges.baselineEnd),
    new Date(ranges.windowStart),
    new Date(tick),
    everything ? null : scoped('campaign'),
    scoped('channel'),
  ]);
  const histories: KeyHistory[] = [];
  for (const row of rows) {
    let last = histories.at(-1);
    if (!last || last.campaignId !== row.campaign_id || last.channel !== row.channel) {
      last = { campaignId: row.campaign_id, channel: row.channel, baseline: { ...ZERO_SUMS }, minutes: [] };
      histories.push(last);
    }
    // Baseline rows come first in each key (minute null), then the window's minutes in time order.
    if (row.minute === null) last.baseline = sumsOfRollupRow(row);
    else last.minutes.push({ minute: row.minute.getTime(), sums: sumsOfRollupRow(row) });
  }
  return histories;
}

/** A target rule's evaluation of one campaign (over all its channels) at this tick. */
interface TargetJudgement {
  rule: EnabledRule;
  campaignId: string;
  evaluation: RuleEvaluation;
}

/**
 * Judges the target rules (domain detection/target.ts): per campaign over all its channels, the campaigns whose
 * catalog row sets the rule's target while active, and those with an unresolved alert of the rule (which then
 * recovers or stays). Sums come from campaign_metrics_minute like every rule's: the pacing windows of today in the
 * reporting zone (one read for every pacing rule), each window length's sums (one read per length).
 */
async function judgeTargets(
  client: pg.ClientBase,
  rules: readonly EnabledRule[],
  tick: number,
  reportingTimeZone: string,
  unresolved: readonly { rule_id: number; campaign_id: string }[],
): Promise<TargetJudgement[]> {
  const open = new Set(unresolved.map((alert) => keyOf(alert.rule_id, alert.campaign_id)));
  const hasAlert = (rule: EnabledRule, campaignId: string) => open.has(keyOf(rule.id, campaignId));
  const catalog = await client.query<{
    campaign_id: string;
    status: CampaignStatus;
    daily_budget: number | null;
    target_cpa: number | null;
    target_roas: number | null;
  }>(TARGET_CAMPAIGNS_SQL, [[...new Set(unresolved.map((alert) => alert.campaign_id))]]);
  const targets = new Map<string, CampaignTargets>(
    catalog.rows.map((row) => [
      row.campaign_id,
      { status: row.status, dailyBudget: row.daily_budget, targetCpa: row.target_cpa, targetRoas: row.target_roas },
    ]),
  );
  const judged = rules.map((rule) => ({
    rule,
    campaigns: [...targets].filter(
      ([campaignId, campaign]) =>
        inScope(rule, campaignId, ALL_CHANNELS) &&
        (campaignTarget(rule, campaign) !== null || hasAlert(rule, campaignId)),
    ),
  }));
  const idsOf = (list: typeof judged) => [...new Set(list.flatMap((j) => j.campaigns.map(([id]) => id)))];

  const histories = new Map<string, TargetHistory>();
  const pacing = judged.filter((j) => judgesPacing(j.rule));
  if (pacing.length > 0) {
    const windows = pacingWindows(new Date(tick), reportingTimeZone);
    const ranges = [windows.today, ...windows.history.flatMap((day) => [day.before, day.whole])];
    const { rows } = await client.query<{ campaign_id: string; range: number; spend: number }>(
      CAMPAIGN_SPEND_IN_RANGES_SQL,
      [ranges.map((r) => r.from), ranges.map((r) => r.to), idsOf(pacing)],
    );
    const spend = new Map(rows.map((row) => [keyOf(row.campaign_id, row.range), row.spend]));
    for (const campaignId of idsOf(pacing)) {
      const spendIn = (range: (typeof ranges)[number]) => spend.get(keyOf(campaignId, ranges.indexOf(range) + 1)) ?? 0;
      histories.set(keyOf('pacing', campaignId), {
        kind: 'pacing',
        spend: pacingSpend(windows, spendIn),
        dayStart: windows.today.from.getTime(),
      });
    }
  }
  for (const minutes of new Set(judged.filter((j) => !judgesPacing(j.rule)).map((j) => j.rule.windowMinutes))) {
    const ids = idsOf(judged.filter((j) => !judgesPacing(j.rule) && j.rule.windowMinutes === minutes));
    const { rows } = await client.query<SumsRow>(CAMPAIGN_SUMS_SQL, [
      new Date(tick - minutes * 60_000),
      new Date(tick),
      ids,
    ]);
    const sums = new Map(rows.map((row) => [row.campaign_id, sumsOfRollupRow(row)]));
    for (const id of ids) histories.set(keyOf(minutes, id), { kind: 'window', sums: sums.get(id) ?? { ...ZERO_SUMS } });
  }

  return judged.flatMap(({ rule, campaigns }) =>
    campaigns.map(([campaignId, campaign]) => {
      const history = histories.get(
        judgesPacing(rule) ? keyOf('pacing', campaignId) : keyOf(rule.windowMinutes, campaignId),
      )!;
      return { rule, campaignId, evaluation: evaluateTarget(rule, campaign, history, tick) };
    }),
  );
}

/** What one evaluation writes for one alert. */
interface PlannedChange {
  transition: Exclude<AlertTransition, 'none'>;
  alertId: number | null;
  rule: EnabledRule;
  campaignId: string;
  channel: string;
  evaluation: RuleEvaluation;
}

export interface EvaluationResult {
  /** Enabled rules judged. */
  rules: number;
  /**
   * Rule × campaign+channel pairs judged (those with rows in the rule's baseline or window), and target rule ×
   * campaign pairs (the campaigns that set the target while active, and those with an unresolved alert of the rule).
   */
  judged: number;
  fired: number;
  pending: number;
  promoted: number;
  cancelled: number;
  resolved: number;
  refreshed: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The values an evaluation gives an alert, as the SQL's VALUE_COLUMNS. */
function values(change: PlannedChange) {
  const { evaluation } = change;
  return {
    current_value: evaluation.current,
    baseline_value: evaluation.baseline,
    threshold_value: evaluation.threshold,
    message: alertMessage(change.campaignId, change.channel, evaluation, change.transition),
    window_start: iso(evaluation.windowStart),
    baseline_start: iso(evaluation.baselineStart),
    baseline_end: iso(evaluation.baselineEnd),
  };
}

/**
 * One anomaly_alerts run for the instant `tick`: every enabled rule of `alert_rules` judges every campaign+channel in
 * its scope with its own parameters (domain evaluateRule), the one state machine (decideTransition) decides each
 * alert's change from its unresolved alert's phase, and the changes are written set-based, one statement per kind.
 * Rules that read the same ranges share one read of the history. Target rules judge campaigns (all channels, alert
 * channel ALL_CHANNELS) against their catalog targets, today's pacing in `reportingTimeZone`.
 */
export function evaluateAlerts(
  client: pg.ClientBase,
  tick: Date,
  reportingTimeZone: string,
): Promise<EvaluationResult> {
  const now = tick.getTime();
  return inTransaction(client, async () => {
    const ruleRows = await client.query<RuleRow>(ENABLED_RULES_SQL);
    // The API stores only metrics it knows (validateAlertRule); a rule of a metric this worker does not know (written
    // by a newer release or by hand) is left alone rather than failing every other rule's run.
    const rules = ruleRows.rows
      .filter((r): r is RuleRow & { metric: AlertMetric } => isAlertMetric(r.metric))
      .map(ruleOfRow);
    const result: EvaluationResult = {
      rules: rules.length,
      judged: 0,
      fired: 0,
      pending: 0,
      promoted: 0,
      cancelled: 0,
      resolved: 0,
      refreshed: 0,
    };
    if (rules.length === 0) return result;

    const unresolved = await client.query<{
      alert_id: number;
      rule_id: number;
      campaign_id: string;
      channel: string;
      status: string;
      pending_since: Date | null;
    }>(UNRESOLVED_ALERTS_SQL, [rules.map((r) => r.id)]);
    const alerts = new Map(unresolved.rows.map((a) => [keyOf(a.rule_id, a.campaign_id, a.channel), a]));
    const earliestWindow = Math.min(...rules.map((r) => ruleRanges(r, now).windowStart));
    const resolved = await client.query<{ rule_id: number; campaign_id: string; channel: string; resolved_at: Date }>(
      RECENTLY_RESOLVED_SQL,
      [rules.map((r) => r.id), new Date(earliestWindow)],
    );
    const lastResolved = new Map(
      resolved.rows.map((a) => [keyOf(a.rule_id, a.campaign_id, a.channel), a.resolved_at.getTime()]),
    );

    const changes: PlannedChange[] = [];
    /** Decides one rule's change for one campaign+channel from its unresolved alert's phase. */
    const plan = (
      rule: EnabledRule,
      campaignId: string,
      channel: string,
      evaluate: (open: boolean, evidenceFrom: number | null) => RuleEvaluation,
    ) => {
      result.judged += 1;
      const alert = alerts.get(keyOf(rule.id, campaignId, channel));
      const phase: AlertPhase = !alert
        ? { kind: 'none' }
        : alert.status === 'pending'
          ? { kind: 'pending', since: alert.pending_since!.getTime() }
          : { kind: 'open' };
      const evaluation = evaluate(phase.kind === 'open', lastResolved.get(keyOf(rule.id, campaignId, channel)) ?? null);
      const transition = decideTransition(phase, evaluation, now, rule.pendingMinutes);
      if (transition === 'none') return;
      changes.push({ transition, alertId: alert?.alert_id ?? null, rule, campaignId, channel, evaluation });
    };

    const groups = new Map<string, EnabledRule[]>();
    for (const rule of rules.filter((r) => !isTargetRule(r))) {
      const group = keyOf(rule.windowMinutes, rule.baseline, rule.baselineHours);
      groups.set(group, [...(groups.get(group) ?? []), rule]);
    }
    for (const group of groups.values()) {
      const histories = await readHistories(client, group, now);
      for (const rule of group) {
        for (const history of histories) {
          if (!inScope(rule, history.campaignId, history.channel)) continue;
          plan(rule, history.campaignId, history.channel, (open, evidenceFrom) =>
            evaluateRule(rule, { ...history, evidenceFrom }, now, open),
          );
        }
      }
    }
    const targetRules = rules.filter(isTargetRule);
    if (targetRules.length > 0) {
      const ids = new Set(targetRules.map((rule) => rule.id));
      const targetAlerts = unresolved.rows.filter((alert) => ids.has(alert.rule_id));
      for (const judgement of await judgeTargets(client, targetRules, now, reportingTimeZone, targetAlerts)) {
        plan(judgement.rule, judgement.campaignId, ALL_CHANNELS, () => judgement.evaluation);
      }
    }

    const of = (kind: PlannedChange['transition']) => changes.filter((c) => c.transition === kind);
    const insert = async (kind: 'fire' | 'pend') => {
      const input = of(kind).map((c) => ({
        rule_id: c.rule.id,
        campaign_id: c.campaignId,
        channel: c.channel,
        metric: c.rule.metric,
        severity: c.rule.severity,
        ...values(c),
      }));
      if (input.length === 0) return 0;
      const status = kind === 'fire' ? 'firing' : 'pending';
      return (await client.query(INSERT_ALERTS_SQL, [JSON.stringify(input), tick, status])).rowCount ?? 0;
    };
    const update = async (kind: 'promote' | 'cancel' | 'resolve' | 'update', sql: string) => {
      const input = of(kind).map((c) => ({
        alert_id: c.alertId,
        worse_is_lower: alertWorseIsLower(c.rule.metric),
        ...values(c),
      }));
      if (input.length === 0) return 0;
      return (await client.query(sql, [JSON.stringify(input), tick])).rowCount ?? 0;
    };
    result.fired = await insert('fire');
    result.pending = await insert('pend');
    result.promoted = await update('promote', PROMOTE_ALERTS_SQL);
    result.cancelled = await update('cancel', CANCEL_ALERTS_SQL);
    result.resolved = await update('resolve', RESOLVE_ALERTS_SQL);
    result.refreshed = await update('update', REFRESH_ALERTS_SQL);
    return result;
  });
}
