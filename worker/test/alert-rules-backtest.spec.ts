import { useTestDatabase } from '@pmd/db/testing';
import { type AlertRuleSettings, COUNTER_NAMES, COUNTERS, defaultRuleSettings, ROLLUP_COLUMNS } from '@pmd/domain';
import { type BacktestSeries, backtestHistoryStart, backtestRule } from '@pmd/domain/detection';
import { binomial, gaussian, seededRandom } from '@pmd/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateAlerts } from '../src/lib/alerts.ts';
import { createRule } from './testkit/rules.ts';

// The equivalence of the two doors to one rule: the worker's run (evaluateAlerts each minute, its SQL, its stored
// alerts) and the API's backtest (domain backtestRule over the same minute rows read back) must find the same alerts,
// or a backtest would promise what the rule does not do. Seeded random traffic with injected drops, 6 hours.
const S = Date.parse('2026-11-20T06:00:00Z');
const E = S + 6 * 60 * 60_000;
const MINUTE = 60_000;
const at = (minutes: number) => S + minutes * MINUTE;

interface Campaign {
  campaign_id: string;
  channel: string;
  /** First minute with traffic (relative to S). */
  from: number;
  impressions: number;
  ctr: number;
  /** Share of minutes without any row (sparse traffic). */
  missing?: number;
  /** [start, end) minutes and the factor on CTR, or on impressions (0: delivery stopped, no rows). */
  ctrDrops?: [number, number, number][];
  volumeDrops?: [number, number, number][];
}

const CAMPAIGNS: Campaign[] = [
  {
    campaign_id: 'camp_eq_1',
    channel: 'meta',
    from: -180,
    impressions: 300,
    ctr: 0.03,
    ctrDrops: [
      [60, 90, 0.5],
      [240, 260, 0.55],
    ],
  },
  {
    campaign_id: 'camp_eq_2',
    channel: 'google',
    from: -180,
    impressions: 150,
    ctr: 0.025,
    volumeDrops: [[120, 140, 0]],
    ctrDrops: [[300, 330, 0.6]],
  },
  {
    campaign_id: 'camp_eq_3',
    channel: 'meta',
    from: -180,
    impressions: 500,
    ctr: 0.04,
    missing: 0.05,
    volumeDrops: [[180, 200, 0.4]],
    ctrDrops: [[200, 215, 0.5]],
  },
  // Starts mid-period: judged from its first rows on, with the history that exists.
  {
    campaign_id: 'camp_eq_late',
    channel: 'tiktok',
    from: 200,
    impressions: 400,
    ctr: 0.03,
    ctrDrops: [[290, 310, 0.5]],
  },
];

const RULES: Record<string, Partial<AlertRuleSettings>> = {
  cusum: { ...defaultRuleSettings('ctr_drop'), name: 'eq cusum', baselineHours: 2 },
  'window, pending 2 min': {
    ...defaultRuleSettings('ctr_drop'),
    name: 'eq window',
    method: 'window',
    windowMinutes: 10,
    baselineHours: 1,
    significance: 3,
    minBaselineVolume: 200,
    pendingMinutes: 2,
  },
  volume: {
    ...defaultRuleSettings('impressions_drop'),
    name: 'eq volume',
    windowMinutes: 5,
    baseline: 'trailing',
    baselineHours: 1,
  },
};

function minuteRows(random: () => number) {
  const rows: { campaign_id: string; channel: string; minute: string; impressions: number; clicks: number }[] = [];
  for (const c of CAMPAIGNS) {
    for (let m = c.from; m < 360; m++) {
      if (random() < (c.missing ?? 0)) continue;
      const factor = (drops: Campaign['ctrDrops']) => drops?.find(([a, b]) => m >= a && m < b)?.[2] ?? 1;
      const impressions = Math.max(0, Math.round(c.impressions * factor(c.volumeDrops) * (1 + 0.1 * gaussian(random))));
      if (impressions === 0) continue;
      const clicks = binomial(random, impressions, c.ctr * factor(c.ctrDrops));
      rows.push({
        campaign_id: c.campaign_id,
        channel: c.channel,
        minute: new Date(at(m)).toISOString(),
        impressions,
        clicks,
      });
    }
  }
  return rows;
}

describe('the worker and the backtest agree on when a rule fires', () => {
  const database = useTestDatabase();
  let pool: pg.Pool;
  const ruleIds: Record<string, number> = {};

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: database.url });
    pool.on('error', () => {});
    await pool.query('DELETE FROM alert_rules');
    for (const [name, settings] of Object.entries(RULES)) ruleIds[name] = await createRule(pool, settings);
    await pool.query(
      `INSERT INTO campaign_metrics_minute (campaign_id, channel, minute, impressions, clicks)
       SELECT campaign_id, channel, minute, impressions, clicks
       FROM jsonb_to_recordset($1::jsonb) AS r(campaign_id text, channel text, minute timestamptz, impressions bigint,
         clicks bigint)`,
      [JSON.stringify(minuteRows(seededRandom(14)))],
    );
    // The worker, minute by minute over the period, every rule at once (as the anomaly_alerts task runs them).
    const client = await pool.connect();
    try {
      for (let tick = S; tick < E; tick += MINUTE) await evaluateAlerts(client, new Date(tick), 'UTC');
    } finally {
      client.release();
    }
  }, 120_000);
  afterAll(() => pool.end());

  /** The minute rows of [from, to), per campaign+channel, as the API's backtest reads them. */
  async function series(from: number, to: number): Promise<BacktestSeries[]> {
    const { rows } = await pool.query<Record<string, string> & { campaign_id: string; channel: string; minute: Date }>(
      `SELECT campaign_id, channel, minute, ${ROLLUP_COLUMNS.map((c) => `${c}::float8 AS ${c}`).join(', ')}
       FROM campaign_metrics_minute WHERE minute >= $1 AND minute < $2 ORDER BY campaign_id, channel, minute`,
      [new Date(from), new Date(to)],
    );
    const out: BacktestSeries[] = [];
    for (const row of rows) {
      let last = out.at(-1);
      if (!last || last.campaignId !== row.campaign_id || last.channel !== row.channel) {
        last = { campaignId: row.campaign_id, channel: row.channel, minutes: [] };
        out.push(last);
      }
      const sums = Object.fromEntries(COUNTER_NAMES.map((n) => [n, Number(row[COUNTERS[n].column])]));
      (last.minutes as { minute: number; sums: unknown }[]).push({ minute: row.minute.getTime(), sums });
    }
    return out;
  }

  const key = (e: { campaignId: string; channel: string; firedAt: number; resolvedAt: number | null }) =>
    `${e.campaignId}/${e.channel} fired ${new Date(e.firedAt).toISOString()} resolved ${
      e.resolvedAt === null ? 'never' : new Date(e.resolvedAt).toISOString()
    }`;

  it.each(Object.keys(RULES))('%s rule: the same alerts, fired and resolved at the same minutes', async (name) => {
    const rule = { ...defaultRuleSettings('ctr_drop'), ...RULES[name] } as AlertRuleSettings;
    const backtest = backtestRule(rule, await series(backtestHistoryStart(rule, S), E), S, E, 1000);
    const stored = await pool.query<{
      campaign_id: string;
      channel: string;
      triggered_at: Date;
      resolved_at: Date | null;
    }>(
      `SELECT campaign_id, channel, triggered_at, resolved_at FROM alerts
       WHERE rule_id = $1 AND status IN ('firing', 'acknowledged', 'resolved')`,
      [ruleIds[name]],
    );
    const worker = stored.rows.map((a) =>
      key({
        campaignId: a.campaign_id,
        channel: a.channel,
        firedAt: a.triggered_at.getTime(),
        resolvedAt: a.resolved_at?.getTime() ?? null,
      }),
    );
    expect(worker.sort()).toEqual(backtest.episodes.map(key).sort());
    // Not vacuous: the injected drops fire the rule more than once, and the backtest kept every episode.
    expect(backtest.fired).toBeGreaterThanOrEqual(2);
    expect(backtest.truncated).toBe(false);
  });
});
