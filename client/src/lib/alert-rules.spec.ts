import { defaultRuleSettings, validateAlertRule } from '@pmd/domain';
import { describe, expect, it } from 'vitest';
import {
  describeBacktest,
  describeDetection,
  describePending,
  describeScope,
  describeSilence,
  formatDuration,
  formValues,
  fromPercent,
  pendingFiresAt,
  settingApplies,
  settingsOf,
  toPercent,
} from './alert-rules.ts';

describe('percent conversion', () => {
  it('round-trips without float noise', () => {
    expect(toPercent(0.15)).toBe(15);
    expect(toPercent(0.3)).toBe(30);
    expect(toPercent(0.07)).toBe(7);
    expect(fromPercent(30)).toBe(0.3);
    expect(fromPercent(15)).toBe(0.15);
    expect(fromPercent(2.5)).toBe(0.025);
    for (const fraction of [0.01, 0.123, 0.29, 0.333, 0.57, 9.99])
      expect(fromPercent(toPercent(fraction))).toBe(fraction);
  });

  it('shows changes (and a rate’s expected value) in percent and sends fractions', () => {
    const ctr = { ...defaultRuleSettings('ctr_drop'), expectedValue: 0.03 };
    const values = formValues(ctr);
    expect(values).toMatchObject({ minRelativeChange: 30, recoveryChange: 15, expectedValue: 3 });
    expect(settingsOf(values)).toEqual(ctr);
    // A cost's expected value is money and a volume's a count per minute: as entered.
    const cpc = { ...defaultRuleSettings('cpc_spike'), expectedValue: 1.25 };
    expect(formValues(cpc).expectedValue).toBe(1.25);
    expect(settingsOf(formValues(cpc))).toEqual(cpc);
  });

  it('turns an empty field into a refused number, and an empty expected value into none', () => {
    const values = {
      ...formValues(defaultRuleSettings('ctr_drop')),
      windowMinutes: '' as const,
      expectedValue: '' as const,
    };
    const settings = settingsOf(values);
    expect(settings.windowMinutes).toBeNaN();
    expect(settings.expectedValue).toBeNull();
    expect(validateAlertRule(settings).map((issue) => issue.field)).toEqual(['windowMinutes']);
  });

  it('trims names and drops the scope value of a rule over all campaigns', () => {
    const values = { ...formValues(defaultRuleSettings('ctr_drop')), name: '  Meta CTR  ', scopeValue: 'meta' };
    expect(settingsOf(values)).toMatchObject({ name: 'Meta CTR', scope: 'all', scopeValue: null });
    expect(settingsOf({ ...values, scope: 'channel', scopeValue: ' meta ' }).scopeValue).toBe('meta');
  });
});

describe('rule summaries in words', () => {
  it('says what the detection does under each method', () => {
    expect(describeDetection(defaultRuleSettings('ctr_drop'))).toBe(
      'CUSUM, 30% drop, evidence 10, lookback 60 min vs trailing 24 h',
    );
    expect(
      describeDetection({ ...defaultRuleSettings('ctr_drop'), method: 'window', windowMinutes: 15, significance: 3 }),
    ).toBe('window 15 min vs trailing 24 h, 30% drop, |z| ≥ 3');
    // Costs rise and have no z-score; volumes compare with last week by default.
    expect(describeDetection(defaultRuleSettings('cpc_spike'))).toBe('window 15 min vs trailing 24 h, 30% rise');
    expect(describeDetection(defaultRuleSettings('impressions_drop'))).toBe(
      'window 15 min vs the same 1 h last week, 50% drop, |z| ≥ 3',
    );
    // Target rules judge a campaign against its own catalog target (as seeded).
    expect(describeDetection(defaultRuleSettings('projected_overspend'))).toBe(
      "projected today 10% above the campaign's daily budget",
    );
    expect(describeDetection(defaultRuleSettings('roas_below_target'))).toBe(
      "over 1440 min 20% below the campaign's target ROAS",
    );
  });

  it('names scope, pending period, backtest counts, durations and silences', () => {
    expect(describeScope('all', null)).toBe('All campaigns');
    expect(describeScope('campaign', 'camp_x')).toBe('Campaign camp_x');
    expect(describeScope('channel', 'meta')).toBe('Channel meta');
    expect(describePending(0)).toBe('fires at once');
    expect(describePending(5)).toBe('for 5 min');
    expect(describeBacktest({ fired: 1, days: 1, keys: 1 })).toBe(
      'Would have fired 1 time in the last 1 day (1 campaign·channel)',
    );
    expect(describeBacktest({ fired: 0, days: 7, keys: 3 })).toBe(
      'Would have fired 0 times in the last 7 days (3 campaign·channels)',
    );
    expect(formatDuration(30_000)).toBe('< 1 min');
    expect(formatDuration(45 * 60_000)).toBe('45 min');
    expect(formatDuration(125 * 60_000)).toBe('2 h 05 min');
    expect(formatDuration((3 * 24 + 4) * 3_600_000)).toBe('3 d 4 h');
    expect(describeSilence({})).toBe('every alert');
    expect(describeSilence({ ruleName: 'CTR drop', campaignId: 'camp_x', channel: null })).toBe(
      'rule “CTR drop” · campaign camp_x',
    );
    expect(pendingFiresAt('2026-12-02T10:00:00Z', 5).toISOString()).toBe('2026-12-02T10:05:00.000Z');
  });

  it('shows recovery evidence only for cusum and no significance for a cost’s window', () => {
    expect(settingApplies('recoverySignificance', 'cusum', 'ctr_drop')).toBe(true);
    expect(settingApplies('recoverySignificance', 'window', 'ctr_drop')).toBe(false);
    expect(settingApplies('significance', 'window', 'ctr_drop')).toBe(true);
    expect(settingApplies('significance', 'window', 'impressions_drop')).toBe(true);
    expect(settingApplies('significance', 'window', 'cpc_spike')).toBe(false);
  });
});
