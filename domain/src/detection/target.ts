import type { DetectionRule } from '../alert-rules.ts';
import { ALERT_METRIC_BY_NAME, type AlertMetric, type AlertMetricDefinition } from '../alerts.ts';
import type { CampaignStatus } from '../campaigns.ts';
import { kpiValue } from '../kpi.ts';
import { KPIS, type KpiSums } from '../metrics.ts';
import { isKpiName } from '../names.ts';
import { type PacingInput, type PacingRange, type PacingWindows, projectPacing } from '../pacing.ts';
import type { RuleEvaluation } from './evaluate.ts';

/**
 * Target rules (method `target`), pure: a campaign's own number against the target its catalog row sets, judged per
 * campaign over all its channels (the alert's channel is ALL_CHANNELS), only while the campaign is active and sets the
 * target. The worker calls `evaluateTarget` with sums read from campaign_metrics_minute, the backtest with sums
 * replayed from the same rows.
 * - projected_overspend: today's pacing (projectPacing over the spend of pacingWindows) against the daily budget;
 *   fires when the projected spend exceeds budget × (1 + minRelativeChange), resolves at ≤ budget × (1 +
 *   recoveryChange). No volume gate: the projection itself is the judgement (a quiet day projects a small spend).
 * - cpa_above_target: spend / activations over the last windowMinutes (the whole spend when nothing activated: spend
 *   without any activation is at least that expensive), once the spend reaches minVolume; fires above targetCpa × (1 +
 *   minRelativeChange), resolves at ≤ targetCpa × (1 + recoveryChange).
 * - roas_below_target: revenue / spend over the last windowMinutes, once the spend reaches minVolume; fires below
 *   targetRoas × (1 − minRelativeChange), resolves at ≥ targetRoas × (1 − recoveryChange).
 * A campaign that stops being judged (paused, ended, its target removed) gets a recovered evaluation with baseline 0,
 * so its open alert resolves and a pending one is cancelled instead of outliving the target it was about.
 */

/** What target rules read of a campaign's catalog row (table `campaigns`). */
export interface CampaignTargets {
  status: CampaignStatus;
  dailyBudget: number | null;
  targetCpa: number | null;
  targetRoas: number | null;
}

type TargetDefinition = Extract<AlertMetricDefinition, { kind: 'target' }>;

function targetDefinition(metric: AlertMetric): TargetDefinition | null {
  const definition: AlertMetricDefinition = ALERT_METRIC_BY_NAME[metric];
  return definition.kind === 'target' ? definition : null;
}

/** Whether a rule judges campaigns against their catalog targets (rather than against a baseline). */
export function isTargetRule(rule: Pick<DetectionRule, 'metric'>): boolean {
  return targetDefinition(rule.metric) !== null;
}

/** Whether the rule judges today's pacing (the daily budget) rather than the sums of its last windowMinutes. */
export function judgesPacing(rule: Pick<DetectionRule, 'metric'>): boolean {
  return targetDefinition(rule.metric)?.target === 'dailyBudget';
}

/** The target a rule judges a campaign against; null when the campaign is not judged (not active, or no target). */
export function campaignTarget(rule: Pick<DetectionRule, 'metric'>, targets: CampaignTargets): number | null {
  const definition = targetDefinition(rule.metric);
  if (definition === null || targets.status !== 'active') return null;
  return targets[definition.target];
}

/** The spend pacing projects from: pacingWindows' sums, without the budget. */
export type PacingSpend = Omit<PacingInput, 'dailyBudget'>;

/** The spend of pacingWindows, given the spend over any [from, to) range (the worker's SQL, the backtest's series). */
export function pacingSpend(windows: PacingWindows, spendIn: (range: PacingRange) => number): PacingSpend {
  let historySpendBefore = 0;
  let historySpendTotal = 0;
  for (const day of windows.history) {
    historySpendBefore += spendIn(day.before);
    historySpendTotal += spendIn(day.whole);
  }
  return {
    spendToday: spendIn(windows.today),
    elapsedShare: windows.elapsedShare,
    historySpendBefore,
    historySpendTotal,
  };
}

/** One campaign's sums, over all its channels, for one evaluation of a target rule. */
export type TargetHistory =
  /** projected_overspend: the spend of pacingWindows(tick, reporting zone); `dayStart` its local midnight (ms). */
  | { kind: 'pacing'; spend: PacingSpend; dayStart: number }
  /** CPA and ROAS: the sums of [tick − windowMinutes, tick). */
  | { kind: 'window'; sums: KpiSums };

/** The value a target rule compares with the target, and whether there is enough spend to judge it. */
function measure(
  rule: DetectionRule,
  definition: TargetDefinition,
  target: number,
  history: TargetHistory,
): { value: number; measurable: boolean } {
  if ((history.kind === 'pacing') !== (definition.target === 'dailyBudget')) {
    throw new Error(`${definition.metric} needs its ${definition.target === 'dailyBudget' ? 'pacing' : 'window'} sums`);
  }
  if (history.kind === 'pacing') {
    return { value: projectPacing({ ...history.spend, dailyBudget: target }).projectedSpend, measurable: true };
  }
  if (!isKpiName(definition.watches)) throw new Error(`${definition.metric} watches no KPI`);
  const formula = KPIS[definition.watches].formula;
  // A cost per unit without units is at least the whole amount (CPA without an activation = the spend).
  const value =
    kpiValue(definition.watches, history.sums) ?? (formula.kind === 'per' ? history.sums[formula.amount] : 0);
  return { value, measurable: history.sums.spend >= rule.minVolume };
}

/** Judges a target rule for one campaign (all channels) at `tick`. */
export function evaluateTarget(
  rule: DetectionRule,
  targets: CampaignTargets,
  history: TargetHistory,
  tick: number,
): RuleEvaluation {
  const definition = targetDefinition(rule.metric);
  if (definition === null) throw new Error(`${rule.metric} is not a target metric`);
  const windowStart = history.kind === 'pacing' ? history.dayStart : tick - rule.windowMinutes * 60_000;
  const target = campaignTarget(rule, targets);
  const base = { metric: rule.metric, z: null, windowStart, baselineStart: null, baselineEnd: null };
  if (target === null) {
    return {
      ...base,
      current: 0,
      baseline: 0,
      threshold: 0,
      change: 0,
      measurable: true,
      anomalous: false,
      recovered: true,
    };
  }
  const { value, measurable } = measure(rule, definition, target, history);
  const above = definition.direction === 'above';
  const threshold = target * (above ? 1 + rule.minRelativeChange : 1 - rule.minRelativeChange);
  const recovery = target * (above ? 1 + rule.recoveryChange : 1 - rule.recoveryChange);
  return {
    ...base,
    current: value,
    baseline: target,
    threshold,
    change: value / target - 1,
    measurable,
    anomalous: measurable && (above ? value > threshold : value < threshold),
    recovered: measurable && (above ? value <= recovery : value >= recovery),
  };
}
