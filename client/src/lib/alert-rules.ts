import {
  ALERT_METRIC_BY_NAME,
  type AlertMetric,
  type AlertMetricDefinition,
  type AlertRuleSettings,
  type BaselineKind,
  type DetectionMethod,
  isAlertMetric,
} from '@pmd/domain';
import type { AlertRuleInput } from '@/gql/graphql.ts';

/**
 * Alert rules for people: the words the rules page uses for a rule's settings, and the form's units. Settings are
 * @pmd/domain's AlertRuleSettings (what validateAlertRule checks and the API stores); the form shows relative changes
 * and expected rates in percent, so 30 in the form is 0.3 in the settings.
 */

/** The settings fields of a rule as the API returns them (enum values upper case: `CTR_DROP`, `LAST_WEEK`). */
export type AlertRuleFields = Pick<AlertRuleInput, keyof AlertRuleSettings>;

/**
 * A rule from the API as domain settings (the schema's enums are the domain's names upper-cased). A metric this
 * bundle does not know (a server newer than it) throws: the page cannot describe or edit such a rule honestly.
 */
export function settingsOfRule(rule: AlertRuleFields): AlertRuleSettings {
  const metric = rule.metric.toLowerCase();
  if (!isAlertMetric(metric)) throw new Error(`unknown alert metric ${rule.metric}; reload the dashboard`);
  return {
    name: rule.name,
    metric,
    scope: rule.scope.toLowerCase() as AlertRuleSettings['scope'],
    scopeValue: rule.scopeValue ?? null,
    method: rule.method.toLowerCase() as DetectionMethod,
    windowMinutes: rule.windowMinutes,
    baseline: rule.baseline.toLowerCase() as BaselineKind,
    baselineHours: rule.baselineHours,
    minRelativeChange: rule.minRelativeChange,
    recoveryChange: rule.recoveryChange,
    significance: rule.significance,
    recoverySignificance: rule.recoverySignificance,
    minVolume: rule.minVolume,
    minBaselineVolume: rule.minBaselineVolume,
    expectedValue: rule.expectedValue ?? null,
    pendingMinutes: rule.pendingMinutes,
    severity: rule.severity.toLowerCase() as AlertRuleSettings['severity'],
    enabled: rule.enabled,
  };
}

/** Domain settings (and routing) as the API's AlertRuleInput. */
export function ruleInputOf(settings: AlertRuleSettings, channelIds: readonly string[]): AlertRuleInput {
  return {
    ...settings,
    metric: settings.metric.toUpperCase() as AlertRuleInput['metric'],
    scope: settings.scope.toUpperCase() as AlertRuleInput['scope'],
    method: settings.method.toUpperCase() as AlertRuleInput['method'],
    baseline: settings.baseline.toUpperCase() as AlertRuleInput['baseline'],
    severity: settings.severity.toUpperCase() as AlertRuleInput['severity'],
    channelIds: [...channelIds],
  };
}

/** Percent → fraction and back without float noise (0.15 × 100 is 15.000000000000002). */
export function toPercent(fraction: number): number {
  return Number((fraction * 100).toPrecision(12));
}

export function fromPercent(percent: number): number {
  return Number((percent / 100).toPrecision(12));
}

/** A rate's expected value is a rate (entered in percent); a cost's is money, a volume's a count per minute. */
export function expectedValueInPercent(metric: AlertMetric): boolean {
  return ALERT_METRIC_BY_NAME[metric].kind === 'rate';
}

/** Settings entered as numbers; an emptied number input holds '' (Vue's v-model.number keeps what it cannot parse). */
type NumberSetting = {
  [K in keyof AlertRuleSettings]: number extends AlertRuleSettings[K] ? K : never;
}[keyof AlertRuleSettings];

/** The form's values: the settings with relative changes (and a rate's expected value) in percent; '' = empty. */
export type AlertRuleFormValues = Omit<AlertRuleSettings, NumberSetting> & Record<NumberSetting, number | ''>;

export function formValues(settings: AlertRuleSettings): AlertRuleFormValues {
  const { expectedValue } = settings;
  return {
    ...settings,
    minRelativeChange: toPercent(settings.minRelativeChange),
    recoveryChange: toPercent(settings.recoveryChange),
    // No expected value shows as an empty field.
    expectedValue:
      expectedValue === null ? '' : expectedValueInPercent(settings.metric) ? toPercent(expectedValue) : expectedValue,
  };
}

/**
 * The settings the form's values stand for. An empty number becomes NaN, which validateAlertRule reports on its
 * field; an empty expected value is "none" (null).
 */
export function settingsOf(values: AlertRuleFormValues): AlertRuleSettings {
  const number = (value: number | '') => (value === '' ? Number.NaN : value);
  const percent = (value: number | '') => fromPercent(number(value));
  const { expectedValue } = values;
  return {
    ...values,
    name: values.name.trim(),
    scopeValue: values.scope === 'all' ? null : (values.scopeValue ?? '').trim(),
    windowMinutes: number(values.windowMinutes),
    baselineHours: number(values.baselineHours),
    minRelativeChange: percent(values.minRelativeChange),
    recoveryChange: percent(values.recoveryChange),
    significance: number(values.significance),
    recoverySignificance: number(values.recoverySignificance),
    minVolume: number(values.minVolume),
    minBaselineVolume: number(values.minBaselineVolume),
    expectedValue:
      expectedValue === '' ? null : expectedValueInPercent(values.metric) ? percent(expectedValue) : expectedValue,
    pendingMinutes: number(values.pendingMinutes),
  };
}

/** Settings a method reads (the rest are stored and sent, but change nothing under that method). */
export type MethodField = 'recoverySignificance' | 'significance';

/**
 * Whether a setting matters for this method and metric: only cusum has recovery evidence; costs are judged by their
 * change alone (no z-score), so the window method ignores their significance.
 */
export function settingApplies(field: MethodField, method: DetectionMethod, metric: AlertMetric): boolean {
  if (field === 'recoverySignificance') return method === 'cusum';
  return method === 'cusum' || ALERT_METRIC_BY_NAME[metric].kind !== 'cost';
}

/** "All campaigns", "Campaign camp_x", "Channel meta". */
export function describeScope(scope: AlertRuleSettings['scope'], scopeValue: string | null | undefined): string {
  if (scope === 'campaign') return `Campaign ${scopeValue ?? ''}`;
  if (scope === 'channel') return `Channel ${scopeValue ?? ''}`;
  return 'All campaigns';
}

function describeBaseline(baseline: BaselineKind, hours: number): string {
  return baseline === 'trailing' ? `trailing ${hours} h` : `the same ${hours} h last week`;
}

/** Numbers in rule summaries: at most 3 decimals, no trailing zeros. */
const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

/** The catalog setting a target rule judges a campaign against, in words. */
const TARGET_WORDS = { dailyBudget: 'daily budget', targetCpa: 'target CPA', targetRoas: 'target ROAS' } as const;

/**
 * A rule's detection in words: "CUSUM, 30% drop, evidence 10, lookback 60 min vs trailing 24 h"; "window 15 min vs
 * trailing 24 h, 30% drop, |z| ≥ 3" (a cost's window has no z: "30% rise"); "projected today 10% above the
 * campaign's daily budget", "over 1440 min 20% below the campaign's target ROAS".
 */
export function describeDetection(
  rule: Pick<
    AlertRuleSettings,
    'metric' | 'method' | 'windowMinutes' | 'baseline' | 'baselineHours' | 'minRelativeChange' | 'significance'
  >,
): string {
  const definition: AlertMetricDefinition = ALERT_METRIC_BY_NAME[rule.metric];
  const percent = `${NUMBER.format(toPercent(rule.minRelativeChange))}%`;
  if (definition.kind === 'target') {
    const when = definition.target === 'dailyBudget' ? 'projected today' : `over ${rule.windowMinutes} min`;
    return `${when} ${percent} ${definition.direction} the campaign's ${TARGET_WORDS[definition.target]}`;
  }
  const change = `${percent} ${definition.direction === 'drop' ? 'drop' : 'rise'}`;
  const baseline = describeBaseline(rule.baseline, rule.baselineHours);
  if (rule.method === 'cusum') {
    return `CUSUM, ${change}, evidence ${NUMBER.format(rule.significance)}, lookback ${rule.windowMinutes} min vs ${baseline}`;
  }
  const z = definition.kind === 'cost' ? '' : `, |z| ≥ ${NUMBER.format(rule.significance)}`;
  return `window ${rule.windowMinutes} min vs ${baseline}, ${change}${z}`;
}

/** "for 5 min" or "fires at once". */
export function describePending(pendingMinutes: number): string {
  return pendingMinutes > 0 ? `for ${pendingMinutes} min` : 'fires at once';
}

/** Plural of a count with its noun: "1 time", "3 times". */
function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "Would have fired 3 times in the last 7 days (2 campaign·channels)". */
export function describeBacktest(result: { fired: number; days: number; keys: number }): string {
  return (
    `Would have fired ${count(result.fired, 'time', 'times')} in the last ${count(result.days, 'day', 'days')} ` +
    `(${count(result.keys, 'campaign·channel', 'campaign·channels')})`
  );
}

/** A duration for people: "< 1 min", "45 min", "2 h 05 min", "3 d 4 h". */
export function formatDuration(milliseconds: number): string {
  const minutes = Math.floor(milliseconds / 60_000);
  if (minutes < 1) return '< 1 min';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** What a silence mutes, in words: "rule “CTR drop” · campaign camp_x · channel meta", or "every alert". */
export function describeSilence(silence: {
  ruleName?: string | null;
  campaignId?: string | null;
  channel?: string | null;
}): string {
  const parts = [
    silence.ruleName ? `rule “${silence.ruleName}”` : null,
    silence.campaignId ? `campaign ${silence.campaignId}` : null,
    silence.channel ? `channel ${silence.channel}` : null,
  ].filter(Boolean);
  return parts.length ? parts.join(' · ') : 'every alert';
}

/** When a pending alert fires if its condition holds: its pending start plus its rule's pending period. */
export function pendingFiresAt(pendingSince: string, pendingMinutes: number): Date {
  return new Date(Date.parse(pendingSince) + pendingMinutes * 60_000);
}
