import { ALERT_METRIC_BY_NAME, type AlertMetric, isAlertMetric } from './alerts.ts';
import { MAX_CHANNEL_LENGTH, MAX_ID_LENGTH } from './limits.ts';

/**
 * Alert rules as data (table `alert_rules`): which metric, over which campaigns, judged how, how loud. The worker
 * evaluates every enabled rule each minute (detection/evaluate.ts), the API's backtest replays a rule over past
 * minutes with the same code, and the API and the dashboard's form check rules with `validateAlertRule` below, so a
 * rule the form accepts is a rule the API stores and the worker can run.
 */

export const ALERT_RULE_SCOPES = ['all', 'campaign', 'channel'] as const;
export type AlertRuleScope = (typeof ALERT_RULE_SCOPES)[number];

/**
 * - `cusum`: a CUSUM over per-minute counts against the baseline's rate; fires as soon as the evidence suffices.
 *   Only rates (ratio KPIs) have the per-minute counts it needs.
 * - `window`: the recent `windowMinutes` against the baseline, by relative change, significance and volume.
 * - `target`: a campaign's number against its catalog target (target metrics only, and only those take it): fires when
 *   the value is beyond the target by `minRelativeChange`, resolves when within `recoveryChange`; projected overspend
 *   judges today's pacing, CPA and ROAS the last `windowMinutes`. `minVolume` is the least spend (currency units) in
 *   the window before CPA or ROAS is judged; baseline and significance settings do not apply.
 */
export const DETECTION_METHODS = ['cusum', 'window', 'target'] as const;
export type DetectionMethod = (typeof DETECTION_METHODS)[number];

/** `trailing`: the `baselineHours` right before the window; `last_week`: the `baselineHours` up to the window's end, a week earlier. */
export const BASELINE_KINDS = ['trailing', 'last_week'] as const;
export type BaselineKind = (typeof BASELINE_KINDS)[number];

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** What the worker needs to judge one rule (a row of `alert_rules` without its bookkeeping). */
export interface DetectionRule {
  metric: AlertMetric;
  method: DetectionMethod;
  /** window: the recent window judged; cusum: the lookback the statistics run over (minutes). */
  windowMinutes: number;
  baseline: BaselineKind;
  baselineHours: number;
  /** Relative change that fires: 0.3 = a rate or count 30% lower, or a cost 30% higher, than its baseline. */
  minRelativeChange: number;
  /** An open alert resolves once the change is milder than this (below minRelativeChange, so it does not flap). */
  recoveryChange: number;
  /** window: least |z| of the change (3); cusum: evidence in nats that fires (10). */
  significance: number;
  /** cusum: evidence in nats of recovery that resolves an open alert (3). */
  recoverySignificance: number;
  /** Least volume in the window (a rate's denominator, a cost's units; for a volume metric, the expected count). */
  minVolume: number;
  /** Least volume of the baseline to estimate from; below it `expectedValue` is used, if set. */
  minBaselineVolume: number;
  /** The baseline value to use while the history is too thin (a rate, a cost, or a count per minute); null: wait. */
  expectedValue: number | null;
  /** Minutes the condition must hold before the alert fires ("for"); 0 fires at once. */
  pendingMinutes: number;
}

export interface AlertRuleSettings extends DetectionRule {
  name: string;
  scope: AlertRuleScope;
  /** The campaign id (scope campaign) or channel (scope channel); null for all. */
  scopeValue: string | null;
  severity: AlertSeverity;
  enabled: boolean;
}

/** Bounds of each numeric setting (the SQL CHECKs repeat the structural ones). */
export const ALERT_RULE_LIMITS = {
  name: { maxLength: 100 },
  windowMinutes: { min: 1, max: 24 * 60 },
  baselineHours: { min: 1, max: 14 * 24 },
  minRelativeChange: { min: 0.01, max: 10 },
  recoveryChange: { min: 0, max: 10 },
  significance: { min: 0.5, max: 100 },
  recoverySignificance: { min: 0.5, max: 100 },
  minVolume: { min: 1, max: 10_000_000 },
  minBaselineVolume: { min: 1, max: 100_000_000 },
  expectedValue: { min: 0, max: 1_000_000_000 },
  pendingMinutes: { min: 0, max: 24 * 60 },
} as const;

/** Most rules (each costs the worker queries every minute) and most days a backtest replays. */
export const MAX_ALERT_RULES = 200;
export const MAX_BACKTEST_DAYS = 14;

/**
 * A new rule's settings for a metric: what the seeded default rules use (migration 20261202100000_alert_rules),
 * so a rule made from the form without changes behaves like the built-in one.
 */
export function defaultRuleSettings(metric: AlertMetric): AlertRuleSettings {
  const definition = ALERT_METRIC_BY_NAME[metric];
  // CUSUM for the rates whose per-minute counts are draws of the same minute; signup→activation lags by minutes.
  const cusum = definition.kind === 'rate' && metric !== 'signup_to_activation_drop';
  if (definition.kind === 'target') {
    // As seeded by migration 20261202120000_money.
    const pacing = definition.target === 'dailyBudget';
    return {
      name: definition.label,
      metric,
      scope: 'all',
      scopeValue: null,
      method: 'target',
      windowMinutes: pacing ? 60 : 1440,
      baseline: 'trailing',
      baselineHours: 24,
      minRelativeChange: pacing ? 0.1 : 0.2,
      recoveryChange: pacing ? 0.05 : 0.1,
      significance: 1,
      recoverySignificance: 1,
      minVolume: 1,
      minBaselineVolume: 1,
      expectedValue: null,
      pendingMinutes: 0,
      severity: 'warning',
      enabled: true,
    };
  }
  return {
    name: `${definition.label} ${definition.direction}`,
    metric,
    scope: 'all',
    scopeValue: null,
    method: cusum ? 'cusum' : 'window',
    windowMinutes: cusum ? 60 : 15,
    baseline: definition.kind === 'volume' ? 'last_week' : 'trailing',
    baselineHours: definition.kind === 'volume' ? 1 : 24,
    minRelativeChange: definition.kind === 'volume' ? 0.5 : 0.3,
    recoveryChange: definition.kind === 'volume' ? 0.25 : 0.15,
    significance: cusum ? 10 : 3,
    recoverySignificance: 3,
    // CPM's spend is mostly click cost: its noise is the clicks', so 200 impressions (6 clicks) would make it fire on
    // chance (measured: 7 of 500 steady windows); 10,000 impressions carry about 280 clicks at a 2.8 % CTR.
    minVolume: definition.kind === 'volume' ? 50 : metric === 'cpm_spike' ? 10_000 : 200,
    minBaselineVolume: cusum ? 2000 : 200,
    expectedValue: null,
    pendingMinutes: 0,
    severity: 'warning',
    enabled: true,
  };
}

/** One refused setting: the field (as the GraphQL input names it) and why, for people. */
export interface AlertRuleIssue {
  field: keyof AlertRuleSettings | 'channelIds';
  message: string;
}

function checkRange(
  issues: AlertRuleIssue[],
  field: keyof typeof ALERT_RULE_LIMITS & keyof AlertRuleSettings,
  value: number,
  integer: boolean,
) {
  const limits = ALERT_RULE_LIMITS[field] as { min: number; max: number };
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    issues.push({ field, message: `${field} must be a finite ${integer ? 'integer' : 'number'}` });
  } else if (value < limits.min || value > limits.max) {
    issues.push({ field, message: `${field} must be between ${limits.min} and ${limits.max}, got ${value}` });
  }
}

/**
 * Every problem of a rule's settings, or none. Checks the structure (names, scope, which method suits which metric)
 * and the ranges of ALERT_RULE_LIMITS; the database's CHECKs are a second line, not the message users see.
 */
export function validateAlertRule(settings: AlertRuleSettings): AlertRuleIssue[] {
  const issues: AlertRuleIssue[] = [];
  const name = settings.name.trim();
  if (name.length === 0) issues.push({ field: 'name', message: 'name must not be empty' });
  if (name.length > ALERT_RULE_LIMITS.name.maxLength) {
    issues.push({ field: 'name', message: `name must be at most ${ALERT_RULE_LIMITS.name.maxLength} characters` });
  }
  if (!isAlertMetric(settings.metric)) {
    issues.push({ field: 'metric', message: `unknown metric "${String(settings.metric).slice(0, 40)}"` });
    return issues;
  }
  const definition = ALERT_METRIC_BY_NAME[settings.metric];
  if (settings.scope === 'all') {
    if (settings.scopeValue !== null) {
      issues.push({ field: 'scopeValue', message: 'a rule over all campaigns takes no scopeValue' });
    }
  } else {
    const max = settings.scope === 'campaign' ? MAX_ID_LENGTH : MAX_CHANNEL_LENGTH;
    const value = settings.scopeValue?.trim() ?? '';
    if (value.length === 0 || value.length > max) {
      issues.push({
        field: 'scopeValue',
        message: `a ${settings.scope} rule needs the ${settings.scope === 'campaign' ? 'campaign id' : 'channel'} (1–${max} characters)`,
      });
    }
  }
  if ((settings.method === 'target') !== (definition.kind === 'target')) {
    issues.push({
      field: 'method',
      message:
        definition.kind === 'target'
          ? `${settings.metric} judges a campaign against its own target: use target`
          : `target judges campaigns against their catalog targets; ${settings.metric} is a ${definition.kind} metric`,
    });
  }
  // A target is the campaign's, over all its channels: one channel's share of a budget or a CPA is no target at all.
  if (definition.kind === 'target' && settings.scope === 'channel') {
    issues.push({
      field: 'scope',
      message: `${settings.metric} judges a campaign over all its channels: use scope all or campaign`,
    });
  }
  if (settings.method === 'cusum' && definition.kind !== 'rate') {
    issues.push({
      field: 'method',
      message: `cusum judges rates from per-minute counts; ${settings.metric} is a ${definition.kind} metric: use window`,
    });
  }
  checkRange(issues, 'windowMinutes', settings.windowMinutes, true);
  checkRange(issues, 'baselineHours', settings.baselineHours, true);
  checkRange(issues, 'minRelativeChange', settings.minRelativeChange, false);
  checkRange(issues, 'recoveryChange', settings.recoveryChange, false);
  checkRange(issues, 'significance', settings.significance, false);
  checkRange(issues, 'recoverySignificance', settings.recoverySignificance, false);
  checkRange(issues, 'minVolume', settings.minVolume, true);
  checkRange(issues, 'minBaselineVolume', settings.minBaselineVolume, true);
  checkRange(issues, 'pendingMinutes', settings.pendingMinutes, true);
  if (settings.expectedValue !== null) checkRange(issues, 'expectedValue', settings.expectedValue, false);
  if ((definition.direction === 'drop' || definition.direction === 'below') && settings.minRelativeChange >= 1) {
    issues.push({ field: 'minRelativeChange', message: 'a drop is at most 100% (minRelativeChange below 1)' });
  }
  if (definition.kind === 'rate' && settings.expectedValue !== null && settings.expectedValue >= 1) {
    issues.push({ field: 'expectedValue', message: 'an expected rate is below 1 (0.03 = 3%)' });
  }
  // Hysteresis needs a gap: an alert that resolved at the level it fired at would flap.
  if (settings.recoveryChange >= settings.minRelativeChange) {
    issues.push({
      field: 'recoveryChange',
      message: `recoveryChange must be below minRelativeChange (${settings.minRelativeChange}): recovery must be milder than firing`,
    });
  }
  if (settings.method === 'cusum' && settings.recoverySignificance > settings.significance) {
    issues.push({
      field: 'recoverySignificance',
      message: `recoverySignificance must be at most significance (${settings.significance})`,
    });
  }
  return issues;
}
