import { useTestDatabase } from '@pmd/db/testing';
import {
  type AlertMetric,
  type AlertRuleSettings,
  COUNTER_NAMES,
  COUNTERS,
  defaultRuleSettings,
  type KpiSums,
} from '@pmd/domain';
import { backtestTargetRule, type BacktestEpisode, targetHistoryStart } from '@pmd/domain/detection';
import { seededRandom } from '@pmd/testkit';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { evaluateAlerts } from '../src/lib/alerts.ts';
import { createRule } from './testkit/rules.ts';

// The target rules through the real run (evaluateAlerts, its SQL, the notification triggers) on a real PostgreSQL:
// catalog rows in `campaigns`, per-minute rollup rows written directly, a fixed clock. Each campaign is judged over all
// its channels (alert channel '*'), only when its catalog row sets the target and it is active.
const ZONE = 'America/New_York';
// Wednesday 12:00 in New York (EDT): half of the local day is gone.
const T = new Date('2026-07-08T16:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const at = (minutes: number) => new Date(T.getTime() + minutes * MINUTE);

interface Row {
  campaign_id: string;
  channel: string;
  minute: Date;
  total_cost?: number;
  activations?: number;
  revenue?: number;
}

describe('target rules evaluated by the worker', () => {
  const database = useTestDatabase();
  let pool: pg.Pool;

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: database.url });
    pool.on('error', () => {}); // idle clients are cut when the test database is dropped
  });
  afterAll(() => pool.end());
  beforeEach(async () => {
    await pool.query('DELETE FROM alerts');
    await pool.query('DELETE FROM alert_rules');
    await pool.query('DELETE FROM notification_channels');
    await pool.query('DELETE FROM alert_silences');
    await pool.query('DELETE FROM campaign_metrics_minute');
    await pool.query('DELETE FROM campaigns');
  });

  /** Minute rows (added to any row already there), every other counter 0. */
  async function rows(list: Row[]) {
    await pool.query(
      `INSERT INTO campaign_metrics_minute AS m (campaign_id, channel, minute, total_cost, activations, revenue)
       SELECT campaign_id, channel, minute, coalesce(total_cost, 0), coalesce(activations, 0), coalesce(revenue, 0)
       FROM jsonb_to_recordset($1::jsonb) AS r(campaign_id text, channel text, minute timestamptz, total_cost numeric,
         activations bigint, revenue numeric)
       ON CONFLICT (campaign_id, channel, minute) DO UPDATE SET total_cost = m.total_cost + EXCLUDED.total_cost,
         activations = m.activations + EXCLUDED.activations, revenue = m.revenue + EXCLUDED.revenue`,
      [JSON.stringify(list)],
    );
  }

  async function campaign(
    id: string,
    targets: { daily_budget?: number; target_cpa?: number; target_roas?: number; status?: string },
  ) {
    await pool.query(
      `INSERT INTO campaigns (campaign_id, name, status, daily_budget, target_cpa, target_roas)
       VALUES ($1, $1, $2, $3, $4, $5)`,
      [
        id,
        targets.status ?? 'active',
        targets.daily_budget ?? null,
        targets.target_cpa ?? null,
        targets.target_roas ?? null,
      ],
    );
  }

  const evaluate = async (tick: Date) => {
    const client = await pool.connect();
    try {
      return await evaluateAlerts(client, tick, ZONE);
    } finally {
      client.release();
    }
  };

  const rule = (metric: AlertMetric, settings: Partial<AlertRuleSettings> = {}) =>
    createRule(pool, { ...defaultRuleSettings(metric), ...settings });

  const alerts = async () =>
    (
      await pool.query(
        `SELECT rule_id, campaign_id, channel, metric, status, current_value, baseline_value, threshold_value,
                worst_value, message, triggered_at, resolved_at, window_start, baseline_start
         FROM alerts ORDER BY alert_id`,
      )
    ).rows;

  /** Spend and activations spread over the hour before `end` on two channels, so only their sum crosses a target. */
  const lastHour = (
    campaignId: string,
    end: Date,
    totals: { spend: number; activations: number; revenue?: number },
  ) => [
    {
      campaign_id: campaignId,
      channel: 'meta',
      minute: new Date(end.getTime() - 50 * MINUTE),
      total_cost: totals.spend * 0.7,
      activations: totals.activations - 1,
      revenue: (totals.revenue ?? 0) * 0.5,
    },
    {
      campaign_id: campaignId,
      channel: 'google',
      minute: new Date(end.getTime() - 10 * MINUTE),
      total_cost: totals.spend * 0.3,
      activations: 1,
      revenue: (totals.revenue ?? 0) * 0.5,
    },
  ];

  it('CPA above target: fires on the all-channel CPA only for active campaigns that set a target CPA, then resolves', async () => {
    const cpa = await rule('cpa_above_target', { windowMinutes: 60 });
    await campaign('cpa_high', { target_cpa: 10 });
    await campaign('cpa_unset', { target_roas: 5 }); // a target, but not this one
    await campaign('cpa_paused', { target_cpa: 10, status: 'paused' });
    await campaign('cpa_ok', { target_cpa: 20 });
    for (const id of ['cpa_high', 'cpa_unset', 'cpa_paused', 'cpa_ok', 'cpa_no_row']) {
      await rows(lastHour(id, T, { spend: 150, activations: 10 })); // CPA 15; meta alone 105 / 9 = 11.7 < 12
    }
    // Spend outside the window does not count.
    await rows([{ campaign_id: 'cpa_high', channel: 'meta', minute: at(-61), total_cost: 1000 }]);
    const result = await evaluate(T);
    expect(result).toMatchObject({ fired: 1, judged: 2 });
    const [alert] = await alerts();
    expect(alert).toMatchObject({
      rule_id: cpa,
      campaign_id: 'cpa_high',
      channel: '*',
      metric: 'cpa_above_target',
      status: 'firing',
      current_value: 15,
      baseline_value: 10,
      window_start: at(-60),
      baseline_start: null,
      message: 'CPA (spend / activations) 50% above target CPA for cpa_high (all channels): 15.00 vs target CPA 10.00',
    });
    expect(alert.threshold_value).toBeCloseTo(12, 9);
    // An hour later: 100 spent for 10 activations (CPA 10 ≤ 11): resolved, worst kept.
    await rows(lastHour('cpa_high', at(60), { spend: 100, activations: 10 }));
    await evaluate(at(30)); // [T − 30, T + 30): 115 / 10 = 11.5, no longer above 12 but not yet within 11
    expect((await alerts())[0]).toMatchObject({ status: 'firing' });
    expect(await evaluate(at(60))).toMatchObject({ resolved: 1 });
    expect((await alerts())[0]).toMatchObject({
      status: 'resolved',
      resolved_at: at(60),
      current_value: 10,
      worst_value: 15,
      message:
        'CPA (spend / activations) back within target CPA for cpa_high (all channels): 10.00 vs target CPA 10.00',
    });
  });

  it('ROAS below target: fires below target × (1 − change), keeps the lowest, resolves at ≥ target × (1 − recovery)', async () => {
    await rule('roas_below_target', { windowMinutes: 60, minVolume: 50 });
    await campaign('roas_low', { target_roas: 3 });
    await campaign('roas_quiet', { target_roas: 3 });
    await rows(lastHour('roas_low', T, { spend: 100, activations: 5, revenue: 200 })); // 2.00× < 2.40×
    await rows(lastHour('roas_quiet', T, { spend: 40, activations: 1, revenue: 0 })); // below minVolume: not judged
    await evaluate(T);
    expect(await alerts()).toEqual([
      expect.objectContaining({ campaign_id: 'roas_low', channel: '*', status: 'firing', current_value: 2 }),
    ]);
    expect((await alerts())[0].message).toBe(
      'ROAS (revenue / spend) 33% below target ROAS for roas_low (all channels): 2.00× vs target ROAS 3.00×',
    );
    await rows(lastHour('roas_low', at(60), { spend: 100, activations: 5, revenue: 150 }));
    await evaluate(at(60)); // 1.50×: lower still
    await rows(lastHour('roas_low', at(120), { spend: 100, activations: 5, revenue: 280 }));
    await evaluate(at(120)); // 2.80× ≥ 2.70×
    expect((await alerts())[0]).toMatchObject({
      status: 'resolved',
      current_value: expect.closeTo(2.8, 9),
      worst_value: expect.closeTo(1.5, 9),
    });
  });

  /** Spend of a local day: `before` at 06:00 (before the time of T), `after` at 18:00. */
  const spendDay = (campaignId: string, dayStart: number, before: number, after: number) => [
    { campaign_id: campaignId, channel: 'meta', minute: new Date(dayStart + 6 * HOUR), total_cost: before },
    { campaign_id: campaignId, channel: 'google', minute: new Date(dayStart + 18 * HOUR), total_cost: after },
  ];

  it('projected overspend: projects from the same weekday of the last 4 weeks in the reporting zone', async () => {
    await rule('projected_overspend');
    const midnight = Date.parse('2026-07-08T04:00:00Z'); // 00:00 EDT today
    for (const id of ['pacer', 'straight', 'unbudgeted']) {
      await campaign(id, id === 'unbudgeted' ? { target_cpa: 1 } : { daily_budget: 1000 });
      // Today by noon: 300. The same weekday of the 4 past weeks spent 20 % of their day by noon; other days (the
      // day before, 6 days back) spent everything by noon, so reading them would project no overspend.
      await rows([{ campaign_id: id, channel: 'meta', minute: new Date(midnight + 2 * HOUR), total_cost: 300 }]);
      await rows(spendDay(id, midnight - DAY, 1000, 0));
      await rows(spendDay(id, midnight - 6 * DAY, 1000, 0));
      if (id !== 'straight') {
        for (let week = 1; week <= 4; week++) await rows(spendDay(id, midnight - 7 * week * DAY, 200, 800));
      }
    }
    await evaluate(T);
    // pacer: 300 / 0.2 = 1,500 > 1,100. straight (no history): 300 / 0.5 = 600. unbudgeted: no budget, not judged.
    expect(await alerts()).toEqual([
      expect.objectContaining({
        campaign_id: 'pacer',
        channel: '*',
        status: 'firing',
        current_value: expect.closeTo(1500, 6),
        baseline_value: 1000,
        window_start: new Date(midnight),
        message:
          'Projected spend today 50% above daily budget for pacer (all channels): 1500.00 vs daily budget 1000.00',
      }),
    ]);
    // The budget raised to 1,500: within 5 %, resolved.
    await pool.query(`UPDATE campaigns SET daily_budget = 1500 WHERE campaign_id = 'pacer'`);
    await evaluate(at(1));
    expect((await alerts())[0]).toMatchObject({
      status: 'resolved',
      message:
        'Projected spend today back within daily budget for pacer (all channels): 1500.00 vs daily budget 1500.00',
    });
  });

  it('closes an alert whose campaign stops being judged (paused, target removed), saying so', async () => {
    await rule('projected_overspend', { pendingMinutes: 0 });
    const midnight = Date.parse('2026-07-08T04:00:00Z');
    await campaign('paused_later', { daily_budget: 100 });
    await rows([{ campaign_id: 'paused_later', channel: 'meta', minute: new Date(midnight + HOUR), total_cost: 300 }]);
    await evaluate(T);
    expect((await alerts())[0]).toMatchObject({ status: 'firing' });
    await pool.query(`UPDATE campaigns SET status = 'paused' WHERE campaign_id = 'paused_later'`);
    expect(await evaluate(at(1))).toMatchObject({ resolved: 1 });
    expect((await alerts())[0].message).toBe(
      'Projected spend today no longer judged for paused_later (all channels): no daily budget, or the campaign is not active',
    );
    // Not judged any more: the next run judges nothing.
    expect(await evaluate(at(2))).toMatchObject({ judged: 0, fired: 0 });
  });

  it('waits out a pending period, and leaves silences and routing as they are: a channel silence does not match "*"', async () => {
    const roas = await rule('roas_below_target', { windowMinutes: 60, pendingMinutes: 2 });
    const channel = (
      await pool.query<{ id: number }>(
        `INSERT INTO notification_channels (name, kind, target) VALUES ('ops', 'webhook', 'https://hooks.example.com/ops')
         RETURNING id`,
      )
    ).rows[0]!.id;
    await campaign('loud', { target_roas: 3 });
    await campaign('muted', { target_roas: 3 });
    for (const id of ['loud', 'muted']) await rows(lastHour(id, at(2), { spend: 100, activations: 5, revenue: 100 }));
    // A silence of Meta does not mute all-channel alerts; a silence of the campaign does (on the database's clock).
    await pool.query(
      `INSERT INTO alert_silences (campaign_id, channel, starts_at, ends_at)
       VALUES (NULL, 'meta', now() - interval '1 minute', now() + interval '1 hour'),
              ('muted', NULL, now() - interval '1 minute', now() + interval '1 hour')`,
    );
    await evaluate(T);
    expect((await alerts()).map((a) => a.status)).toEqual(['pending', 'pending']);
    await evaluate(at(1));
    await evaluate(at(2));
    expect((await alerts()).map((a) => [a.campaign_id, a.status, a.rule_id])).toEqual([
      ['loud', 'firing', roas],
      ['muted', 'firing', roas],
    ]);
    const deliveries = await pool.query(
      `SELECT a.campaign_id, d.channel_id, d.event FROM notification_deliveries d JOIN alerts a USING (alert_id)`,
    );
    expect(deliveries.rows).toEqual([{ campaign_id: 'loud', channel_id: channel, event: 'fired' }]);
  });

  it('agrees with the backtest: the same alerts of each target rule, fired and resolved at the same minutes', async () => {
    // Seeded random traffic from local 10:00 to 16:00 (S, E): a spend per minute around 1, activations at 15 % of
    // minutes worth 20–40 each (CPA ≈ 6.7, ROAS ≈ 4.5), with stretches at 3 % (CPA ≈ 33, ROAS ≈ 0.9) and a burst of
    // spend; 4 past Wednesdays at 100 an hour, today at 60 an hour before S.
    const S = Date.parse('2026-07-08T14:00:00Z');
    const E = S + 6 * HOUR;
    const midnight = Date.parse('2026-07-08T04:00:00Z');
    const rules = {
      cpa: await rule('cpa_above_target', { name: 'eq cpa', windowMinutes: 30, pendingMinutes: 2 }),
      roas: await rule('roas_below_target', { name: 'eq roas', windowMinutes: 30, minVolume: 5 }),
      overspend: await rule('projected_overspend', { name: 'eq overspend' }),
    };
    const random = seededRandom(15);
    const list: Row[] = [];
    const profiles = [
      {
        id: 'eq_a',
        bad: [
          [60, 120],
          [240, 270],
        ],
        burst: [100, 160],
      },
      { id: 'eq_b', bad: [[200, 260]], burst: [400, 400] },
      { id: 'eq_c', bad: [[30, 90]], burst: [0, 0] },
    ];
    await campaign('eq_a', { target_cpa: 10, target_roas: 3, daily_budget: 1500 });
    await campaign('eq_b', { target_cpa: 12, target_roas: 2.5, daily_budget: 1800 });
    await campaign('eq_c', {}); // no target: never judged
    for (const { id, bad, burst } of profiles) {
      for (let week = 1; week <= 4; week++) {
        for (let hour = 0; hour < 24; hour++) {
          list.push({
            campaign_id: id,
            channel: 'meta',
            minute: new Date(midnight - 7 * week * DAY + hour * HOUR),
            total_cost: 100,
          });
        }
      }
      for (let hour = 0; hour < 10; hour++) {
        list.push({ campaign_id: id, channel: 'meta', minute: new Date(midnight + hour * HOUR), total_cost: 60 });
      }
      for (let m = 0; m < 360; m++) {
        const low = bad.some(([a, b]) => m >= a! && m < b!);
        const activations = random() < (low ? 0.03 : 0.15) ? 1 : 0;
        const spend = (m >= burst[0]! && m < burst[1]! ? 10 : 1) * (0.5 + random());
        const channel = random() < 0.5 ? 'meta' : 'google';
        list.push({
          campaign_id: id,
          channel,
          minute: new Date(S + m * MINUTE),
          total_cost: Math.round(spend * 1e6) / 1e6,
          activations,
          revenue: (activations * Math.round((20 + 20 * random()) * 100)) / 100,
        });
      }
    }
    await rows(list);
    for (let tick = S; tick < E; tick += MINUTE) await evaluate(new Date(tick));

    const catalog = (await pool.query('SELECT campaign_id FROM campaigns ORDER BY 1')).rows.map((r) => r.campaign_id);
    const targets = {
      eq_a: { status: 'active', dailyBudget: 1500, targetCpa: 10, targetRoas: 3 },
      eq_b: { status: 'active', dailyBudget: 1800, targetCpa: 12, targetRoas: 2.5 },
      eq_c: { status: 'active', dailyBudget: null, targetCpa: null, targetRoas: null },
    } as const;
    expect(catalog).toEqual(Object.keys(targets));
    const key = (e: Pick<BacktestEpisode, 'campaignId' | 'channel' | 'firedAt' | 'resolvedAt'>) =>
      `${e.campaignId}/${e.channel} fired ${new Date(e.firedAt).toISOString()} resolved ${
        e.resolvedAt === null ? 'never' : new Date(e.resolvedAt).toISOString()
      }`;
    for (const [name, ruleId] of Object.entries(rules)) {
      const settings = (
        await pool.query('SELECT metric, window_minutes, min_volume, pending_minutes FROM alert_rules WHERE id = $1', [
          ruleId,
        ])
      ).rows[0];
      const detection = {
        ...defaultRuleSettings(settings.metric),
        windowMinutes: settings.window_minutes,
        minVolume: settings.min_volume,
        pendingMinutes: settings.pending_minutes,
      };
      // The rows read back per campaign, all channels summed per minute, as the API's backtest reads them.
      const series = [];
      for (const [campaignId, campaignTargets] of Object.entries(targets)) {
        const { rows: minutes } = await pool.query<Record<string, number> & { minute: Date }>(
          `SELECT minute, ${COUNTER_NAMES.map((n) => `sum(${COUNTERS[n].column})::float8 AS ${COUNTERS[n].column}`).join(', ')}
           FROM campaign_metrics_minute WHERE campaign_id = $1 AND minute >= $2 AND minute < $3
           GROUP BY minute ORDER BY minute`,
          [campaignId, new Date(targetHistoryStart(detection, S, ZONE)), new Date(E)],
        );
        series.push({
          campaignId,
          targets: campaignTargets,
          minutes: minutes.map((row) => ({
            minute: row.minute.getTime(),
            sums: Object.fromEntries(COUNTER_NAMES.map((n) => [n, row[COUNTERS[n].column]])) as KpiSums,
          })),
        });
      }
      const backtest = backtestTargetRule(detection, series, S, E, ZONE, 1000);
      const stored = await pool.query<{
        campaign_id: string;
        channel: string;
        triggered_at: Date;
        resolved_at: Date | null;
      }>(
        `SELECT campaign_id, channel, triggered_at, resolved_at FROM alerts
         WHERE rule_id = $1 AND status IN ('firing', 'acknowledged', 'resolved')`,
        [ruleId],
      );
      const worker = stored.rows.map((a) =>
        key({
          campaignId: a.campaign_id,
          channel: a.channel,
          firedAt: a.triggered_at.getTime(),
          resolvedAt: a.resolved_at?.getTime() ?? null,
        }),
      );
      expect(worker.sort(), name).toEqual(backtest.episodes.map(key).sort());
      // Not vacuous: each rule fires, CPA and ROAS on more than one stretch.
      expect(backtest.fired, name).toBeGreaterThanOrEqual(name === 'overspend' ? 1 : 2);
    }
  }, 120_000);
});
