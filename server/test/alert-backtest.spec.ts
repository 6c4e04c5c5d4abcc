import { createDatabaseClients, MAX_BACKTEST_DAYS, type DatabaseClients } from '@pmd/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BACKTEST_KEYS } from '../src/services/alert-backtest.ts';
import { ruleInput } from './testkit/rules.ts';
import { graphql, useTestServer } from './testkit/server.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const BACKTEST = /* GraphQL */ `
  query ($rule: AlertRuleInput!, $days: Int!) {
    backtestAlertRule(rule: $rule, days: $days) {
      __typename
      ... on AlertRuleBacktest {
        from
        to
        days
        ticks
        keys
        fired
        truncated
        episodes {
          campaignId
          channel
          pendingAt
          firedAt
          resolvedAt
          firedValue
          baselineValue
          worstValue
        }
        firedPerDay {
          day
          fired
        }
      }
      ... on AlertRuleValidationError {
        issues {
          field
        }
      }
      ... on InvalidArgumentError {
        argument
      }
    }
  }
`;

/** The window method's defaults (15 minutes, |z| ≥ 3) over a 4-hour trailing baseline. */
const windowRule = (overrides: Record<string, unknown> = {}) =>
  ruleInput('ctr_drop', {
    method: 'WINDOW',
    windowMinutes: 15,
    baselineHours: 4,
    significance: 3,
    minBaselineVolume: 200,
    ...overrides,
  });

/**
 * Two campaigns with a steady 5 % CTR at 100 impressions a minute over the last three days, one of which drops to 1 %
 * for an hour six hours ago: a backtest over the minute rollup finds that hour and nothing else.
 */
describe('backtestAlertRule', () => {
  const server = useTestServer();
  let clients: DatabaseClients;
  const now = Math.floor(Date.now() / MINUTE) * MINUTE;
  const dropStart = now - 6 * HOUR;
  const dropEnd = dropStart + HOUR;

  const backtest = async (rule: Record<string, unknown>, days: number) => {
    const result = await graphql(server.current.baseUrl, BACKTEST, { rule, days });
    expect(result.errors).toBeUndefined();
    return result.data.backtestAlertRule;
  };

  beforeAll(async () => {
    clients = createDatabaseClients(server.current.databaseUrl);
    await clients.pool.query(
      `INSERT INTO campaign_metrics_minute (campaign_id, channel, minute, impressions, clicks, signups, activations,
                                            cost, total_cost)
       SELECT c.id, 'google', m, 100, CASE WHEN c.id = 'camp_drop' AND m >= $2 AND m < $3 THEN 1 ELSE 5 END, 1, 0,
              2.5, 3
       FROM unnest(ARRAY['camp_drop', 'camp_flat']) AS c(id),
            generate_series($1::timestamptz, $4::timestamptz, interval '1 minute') AS m`,
      [new Date(now - 3 * 24 * HOUR), new Date(dropStart), new Date(dropEnd), new Date(now + 5 * MINUTE)],
    );
  });
  afterAll(async () => {
    await clients?.close();
  });

  it('finds the CTR drop with the window method, and days that sum to what fired', async () => {
    const result = await backtest(windowRule(), 1);
    expect(result).toMatchObject({ __typename: 'AlertRuleBacktest', days: 1, ticks: 24 * 60, keys: 2, fired: 1 });
    expect(new Date(result.to).getTime() - new Date(result.from).getTime()).toBe(24 * HOUR);
    const [episode] = result.episodes;
    expect(episode).toMatchObject({ campaignId: 'camp_drop', channel: 'google', pendingAt: null });
    const firedAt = new Date(episode.firedAt).getTime();
    expect(firedAt).toBeGreaterThan(dropStart);
    expect(firedAt).toBeLessThan(dropEnd);
    expect(new Date(episode.resolvedAt).getTime()).toBeGreaterThan(dropEnd);
    expect(episode.baselineValue).toBeCloseTo(0.05, 6);
    expect(episode.worstValue).toBeCloseTo(0.01, 6);
    expect(result.firedPerDay.reduce((sum: number, day: { fired: number }) => sum + day.fired, 0)).toBe(result.fired);
    // Every UTC day the period touches, in order, zeros included.
    const days = result.firedPerDay.map((d: { day: string }) => new Date(d.day).getTime());
    expect(days[0]).toBeLessThanOrEqual(new Date(result.from).getTime());
    expect(days.at(-1)).toBeGreaterThan(new Date(result.to).getTime() - 24 * HOUR);
    for (let i = 1; i < days.length; i++) expect(days[i] - days[i - 1]).toBe(24 * HOUR);
  });

  it('replays pending periods and the seeded CUSUM rule, and a scope judges only its campaign', async () => {
    const pending = await backtest(windowRule({ pendingMinutes: 5 }), 2);
    expect(pending.fired).toBe(1);
    const [episode] = pending.episodes;
    expect(new Date(episode.firedAt).getTime() - new Date(episode.pendingAt).getTime()).toBe(5 * MINUTE);

    const cusum = await backtest(ruleInput('ctr_drop'), 2);
    expect(cusum).toMatchObject({ keys: 2, fired: 1, truncated: false });
    expect(cusum.episodes[0].campaignId).toBe('camp_drop');
    expect(new Date(cusum.episodes[0].firedAt).getTime()).toBeGreaterThan(dropStart);
    expect(new Date(cusum.episodes[0].firedAt).getTime()).toBeLessThan(dropEnd);
    // Once resolved on recovery evidence it stays resolved, though the drop's minutes are still in its lookback.
    expect(new Date(cusum.episodes[0].resolvedAt).getTime()).toBeGreaterThan(dropEnd);

    const flat = await backtest(ruleInput('ctr_drop', { scope: 'CAMPAIGN', scopeValue: 'camp_flat' }), 2);
    expect(flat).toMatchObject({ keys: 1, fired: 0, episodes: [] });
    const elsewhere = await backtest(ruleInput('ctr_drop', { scope: 'CHANNEL', scopeValue: 'meta' }), 2);
    expect(elsewhere).toMatchObject({ keys: 0, fired: 0 });
  });

  it(`refuses a scope of more than ${MAX_BACKTEST_KEYS} campaign·channels`, async () => {
    await clients.pool.query(
      `INSERT INTO campaign_metrics_minute (campaign_id, channel, minute, impressions, clicks)
       SELECT 'camp_many_' || i, 'tiktok', $2, 100, 5 FROM generate_series(1, $1::int) i`,
      [MAX_BACKTEST_KEYS + 1, new Date(now - HOUR)],
    );
    const tiktok = (overrides: Record<string, unknown> = {}) =>
      windowRule({ scope: 'CHANNEL', scopeValue: 'tiktok', ...overrides });
    expect(await backtest(tiktok(), 1)).toEqual({ __typename: 'InvalidArgumentError', argument: 'rule' });
    expect(await backtest(tiktok({ scope: 'ALL', scopeValue: null }), 1)).toEqual({
      __typename: 'InvalidArgumentError',
      argument: 'rule',
    });
    await clients.pool.query(`DELETE FROM campaign_metrics_minute WHERE campaign_id = 'camp_many_1'`);
    expect(await backtest(tiktok(), 1)).toMatchObject({ __typename: 'AlertRuleBacktest', keys: MAX_BACKTEST_KEYS });
  });

  it('refuses days outside 1..MAX_BACKTEST_DAYS and an invalid rule', async () => {
    for (const days of [0, MAX_BACKTEST_DAYS + 1, -3]) {
      expect(await backtest(ruleInput('ctr_drop'), days)).toEqual({
        __typename: 'InvalidArgumentError',
        argument: 'days',
      });
    }
    expect(await backtest(ruleInput('cpc_spike', { method: 'CUSUM' }), 1)).toEqual({
      __typename: 'AlertRuleValidationError',
      issues: [{ field: 'method' }],
    });
  });

  it('replays a target rule per campaign over all channels, with the current targets of active campaigns that set it', async () => {
    // Both campaigns spend 3 a minute without an activation on google (CPA over an hour = the spend, 180); camp_drop
    // also spends on meta for the last 3 hours. Only camp_drop sets a target CPA (100).
    await clients.pool.query(
      `INSERT INTO campaigns (campaign_id, name, target_cpa) VALUES ('camp_drop', 'camp_drop', 100),
         ('camp_flat', 'camp_flat', NULL), ('camp_paused', 'camp_paused', 100)`,
    );
    await clients.pool.query(`UPDATE campaigns SET status = 'paused' WHERE campaign_id = 'camp_paused'`);
    await clients.pool.query(
      `INSERT INTO campaign_metrics_minute (campaign_id, channel, minute, total_cost, activations)
       SELECT 'camp_drop', 'meta', m, 1, 1 FROM generate_series($1::timestamptz, $2::timestamptz, interval '1 minute') m`,
      [new Date(now - 3 * HOUR), new Date(now)],
    );
    const cpa = await backtest(ruleInput('cpa_above_target', { windowMinutes: 60 }), 1);
    expect(cpa).toMatchObject({ __typename: 'AlertRuleBacktest', keys: 1, fired: 1 });
    // Open from the first tick (CPA 180 > 120) until two minutes of meta traffic: (180 + 2) / 2 = 91 ≤ 110.
    expect(cpa.episodes).toEqual([
      expect.objectContaining({ campaignId: 'camp_drop', channel: '*', baselineValue: 100, firedValue: 180 }),
    ]);
    expect(cpa.episodes[0].firedAt).toBe(cpa.from);
    expect(new Date(cpa.episodes[0].resolvedAt).getTime()).toBe(now - 3 * HOUR + 2 * MINUTE);
    const scoped = await backtest(ruleInput('cpa_above_target', { scope: 'CAMPAIGN', scopeValue: 'camp_flat' }), 1);
    expect(scoped).toMatchObject({ keys: 0, fired: 0 });
    expect(await backtest(ruleInput('cpa_above_target', { scope: 'CHANNEL', scopeValue: 'meta' }), 1)).toEqual({
      __typename: 'AlertRuleValidationError',
      issues: [{ field: 'scope' }],
    });
  });
});
