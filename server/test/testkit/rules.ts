import { defaultRuleSettings, type AlertMetric, type AlertRuleSettings } from '@pmd/db';

/** A rule as AlertRuleInput: the domain's defaults for the metric (enum values upper-cased), then the overrides. */
export function ruleInput(metric: AlertMetric, overrides: Record<string, unknown> = {}) {
  const settings: AlertRuleSettings = defaultRuleSettings(metric);
  return {
    ...settings,
    metric: metric.toUpperCase(),
    scope: settings.scope.toUpperCase(),
    method: settings.method.toUpperCase(),
    baseline: settings.baseline.toUpperCase(),
    severity: settings.severity.toUpperCase(),
    ...overrides,
  };
}
