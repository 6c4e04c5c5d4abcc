import { type AlertChangedPayload, NOTIFY_CHANNELS } from '@pmd/db';
import { useTestDatabase } from '@pmd/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateAlerts } from '../src/lib/alerts.ts';
import { storeTestEvents, type TestEvent, trafficEvents } from '@pmd/testkit';
import { runTasks } from './testkit/jobs.ts';
import { setRules } from './testkit/rules.ts';

// The first version's fixed-window method, a rule setting now: these tests set every seeded rule to it and pin its
// window semantics and the writes every method shares (fire without duplicates, refresh, resolve, notifications). The
// seeded CTR rule's method (cusum) is tested minute by minute in alerts-sequential.spec.ts.
const WINDOW = {
  method: 'window',
  windowMinutes: 15,
  baselineHours: 24,
  significance: 3,
  minBaselineVolume: 200,
} as const;

const T = new Date('2026-11-20T12:00:00Z');
const minutes = (n: number) => n * 60_000;
const at = (offsetMinutes: number) => new Date(T.getTime() + minutes(offsetMinutes));

const BIG = { campaign_id: 'camp_meta_prospecting', channel: 'meta' };
const TINY = { campaign_id: 'camp_tiny', channel: 'tiktok' };
const RACE = { campaign_id: 'camp_race', channel: 'google' };

// Baseline traffic: 10 impressions and 0.3 clicks a minute (CTR 3 %) for the 26 h before the tick's window.
const BASELINE = { impressions: 10, clicks: 0.3 };
// Window traffic at the tick: 200 impressions a minute (3,000 in 15 min) — normal CTR 3 %, or 45 % lower.
const NORMAL = { impressions: 200, clicks: 6 };
const DROPPED = { impressions: 200, clicks: 49 / 15 };

async function ingestAll(pool: pg.Pool, events: TestEvent[]) {
  for (let i = 0; i < events.length; i += 5000) await storeTestEvents(pool, events.slice(i, i + 5000));
}

describe('anomaly_alerts (window method)', () => {
  const database = useTestDatabase();
  let pool: pg.Pool;
  let listener: pg.Client;
  const notifications: AlertChangedPayload[] = [];
  let ctrRuleId: number;

  const openAlerts = async () =>
    (
      await pool.query(`SELECT alert_id, campaign_id, metric, status, current_value, baseline_value, threshold_value, message,
                         triggered_at, acknowledged_at, resolved_at, window_start, window_end, baseline_start,
                         baseline_end, severity, rule_id, pending_since
                         FROM alerts ORDER BY alert_id`)
    ).rows;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: database.url });
    pool.on('error', () => {}); // idle clients are cut when the test database is dropped
    listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
    listener.on('notification', (m) => {
      if (m.channel === NOTIFY_CHANNELS.alertChanged) notifications.push(JSON.parse(m.payload ?? 'null'));
    });
    await listener.query(`LISTEN ${NOTIFY_CHANNELS.alertChanged}`);
    // The four seeded baseline rules (window ones first, then the cusum ones); the seeded target rules stay, judging
    // catalog targets that none of these campaigns sets.
    expect(
      (await setRules(pool, WINDOW, { method: 'window' })) + (await setRules(pool, WINDOW, { method: 'cusum' })),
    ).toBe(4);
    ctrRuleId = (await pool.query(`SELECT id FROM alert_rules WHERE metric = 'ctr_drop'`)).rows[0].id;
    const baselineStart = at(-26 * 60);
    for (const key of [BIG, RACE]) {
      await ingestAll(pool, trafficEvents(key, baselineStart, 26 * 60 - 15, BASELINE, `${key.campaign_id}-base`));
    }
    await ingestAll(pool, trafficEvents(BIG, at(-15), 15, DROPPED, 'big-win'));
    // The same 45 % drop at tiny volume: 10 impressions a minute in the window too.
    await ingestAll(pool, trafficEvents(TINY, baselineStart, 26 * 60, BASELINE, 'tiny-base'));
    await ingestAll(pool, trafficEvents(TINY, at(-15), 15, { impressions: 10, clicks: 0.165 }, 'tiny-win'));
  });
  afterAll(async () => {
    await listener.end();
    await pool.end();
  });

  /** A round trip on the listening connection, so notifications sent before it have arrived. */
  const settle = () => listener.query('SELECT 1');

  it('fires on a 45 % CTR drop with realistic volume within one evaluation, not on the same drop at tiny volume', async () => {
    await runTasks(database.url, ['anomaly_alerts'], T);
    const alerts = await openAlerts();
    expect(alerts).toEqual([
      expect.objectContaining({
        campaign_id: BIG.campaign_id,
        metric: 'ctr_drop',
        status: 'firing',
        triggered_at: T,
        resolved_at: null,
        // The windows its values were computed over, for the dashboard to draw.
        window_start: at(-WINDOW.windowMinutes),
        window_end: T,
        baseline_start: at(-WINDOW.windowMinutes - WINDOW.baselineHours * 60),
        baseline_end: at(-WINDOW.windowMinutes),
        // The seeded CTR rule raised it, with its severity; it fired at once (the rule has no pending period).
        rule_id: ctrRuleId,
        severity: 'warning',
        pending_since: null,
      }),
    ]);
    const [alert] = alerts;
    expect(alert.current_value).toBeCloseTo(49 / 3000, 10);
    expect(alert.baseline_value).toBeCloseTo(0.03, 3);
    expect(alert.threshold_value).toBeCloseTo(alert.baseline_value * 0.7, 10);
    expect(alert.message).toMatch(
      /^CTR dropped 4\d% for camp_meta_prospecting \(meta\): 1\.63% vs baseline 3\.00%, z=-\d/,
    );
    await settle();
    expect(notifications).toEqual([{ alertId: alert.alert_id, status: 'firing' }]);
  });

  it('never duplicates an open alert: rerun, and two workers evaluating at once', async () => {
    notifications.length = 0;
    await runTasks(database.url, ['anomaly_alerts'], T); // rerun: BIG's alert is already open
    expect(await openAlerts()).toHaveLength(1);
    await ingestAll(pool, trafficEvents(RACE, at(-15), 15, DROPPED, 'race-win'));
    const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
    try {
      const results = await Promise.all(clients.map((c) => evaluateAlerts(c, T, 'UTC')));
      expect(results.reduce((sum, r) => sum + r.fired, 0)).toBe(1);
    } finally {
      clients.forEach((c) => c.release());
    }
    const open = await pool.query(
      `SELECT campaign_id, metric, count(*)::int AS n FROM alerts WHERE resolved_at IS NULL GROUP BY 1, 2 ORDER BY campaign_id COLLATE "C", metric`,
    );
    expect(open.rows).toEqual([
      { campaign_id: BIG.campaign_id, metric: 'ctr_drop', n: 1 },
      { campaign_id: RACE.campaign_id, metric: 'ctr_drop', n: 1 },
    ]);
    await settle();
    expect(notifications.map((n) => n.status)).toEqual(['firing']); // the race winner only
  });

  it('keeps an acknowledged alert open and marked while the drop lasts, refreshing its values', async () => {
    const [big] = (
      await pool.query(`SELECT alert_id, current_value FROM alerts WHERE campaign_id = $1`, [BIG.campaign_id])
    ).rows;
    // What the server's acknowledgeAlert does.
    await pool.query(
      `UPDATE alerts SET status = 'acknowledged', acknowledged_at = now(), updated_at = now() WHERE alert_id = $1`,
      [big.alert_id],
    );
    notifications.length = 0;
    await runTasks(database.url, ['anomaly_alerts'], at(1)); // window now 14 dropped minutes + 1 empty minute
    const [after] = (await pool.query(`SELECT * FROM alerts WHERE alert_id = $1`, [big.alert_id])).rows;
    expect(after).toMatchObject({ status: 'acknowledged', resolved_at: null });
    expect(after.acknowledged_at).toBeInstanceOf(Date);
    expect(after.current_value).not.toBe(big.current_value);
    expect(after.worst_value).toBe(Math.min(big.current_value, after.current_value)); // the lowest value kept
    expect(after).toMatchObject({ window_start: at(1 - WINDOW.windowMinutes), window_end: at(1) });
    await settle();
    expect(notifications).toEqual([]); // a refresh is not a state change
  });

  it('resolves when the metric recovers past the hysteresis level, once, with a notification', async () => {
    await ingestAll(pool, trafficEvents(BIG, at(15), 15, NORMAL, 'big-recovered'));
    notifications.length = 0;
    await runTasks(database.url, ['anomaly_alerts', 'anomaly_alerts'], at(30));
    const [big] = (await pool.query(`SELECT * FROM alerts WHERE campaign_id = $1`, [BIG.campaign_id])).rows;
    expect(big).toMatchObject({ status: 'resolved', resolved_at: at(30) });
    expect(big.message).toMatch(/^CTR recovered for camp_meta_prospecting/);
    expect(big.worst_value).toBeLessThan(big.current_value); // the drop's worst, not the recovered value
    expect(big.acknowledged_at).toBeInstanceOf(Date);
    await settle();
    expect(notifications).toEqual([{ alertId: big.alert_id, status: 'resolved' }]);
    // RACE has no traffic in this window: unmeasurable, so its alert stays as it was.
    const race = await pool.query(`SELECT status FROM alerts WHERE campaign_id = $1`, [RACE.campaign_id]);
    expect(race.rows).toEqual([{ status: 'firing' }]);
  });

  it('fires a cpc spike (spend per click 50 % above baseline) on enough clicks', async () => {
    const SPIKE = { campaign_id: 'camp_spike', channel: 'google' };
    await ingestAll(
      pool,
      trafficEvents(SPIKE, at(60 - 15 - 24 * 60), 24 * 60, { ...BASELINE, cpc: 0.8 }, 'spike-base'),
    );
    await ingestAll(pool, trafficEvents(SPIKE, at(45), 15, { impressions: 500, clicks: 15, cpc: 1.2 }, 'spike-win'));
    notifications.length = 0;
    await runTasks(database.url, ['anomaly_alerts'], at(60));
    const { rows } = await pool.query(
      `SELECT alert_id, metric, status, current_value, baseline_value, threshold_value, message
                                       FROM alerts WHERE campaign_id = $1`,
      [SPIKE.campaign_id],
    );
    expect(rows).toEqual([
      expect.objectContaining({
        metric: 'cpc_spike',
        status: 'firing',
        current_value: expect.closeTo(1.2, 9),
        baseline_value: expect.closeTo(0.8, 9),
      }),
    ]);
    expect(rows[0].threshold_value).toBeCloseTo(0.8 * 1.3, 9);
    expect(rows[0].message).toBe(
      'Average CPC (spend / clicks) rose 50% for camp_spike (google): 1.20 vs baseline 0.80',
    );
    await settle();
    expect(notifications).toEqual([{ alertId: rows[0].alert_id, status: 'firing' }]);
  });

  it('cpc_spike measures average CPC = spend / clicks over its windows, impression cost included (brute force)', async () => {
    // Click prices stay at 0.8; impressions start costing 0.02 each (CPM buying) in the window: spend per click rises.
    const CPM = { campaign_id: 'camp_cpm', channel: 'google' };
    await ingestAll(pool, trafficEvents(CPM, at(60 - 15 - 24 * 60), 24 * 60, { ...BASELINE, cpc: 0.8 }, 'cpm-base'));
    const window = trafficEvents(CPM, at(45), 15, { impressions: 500, clicks: 15, cpc: 0.8 }, 'cpm-win');
    await ingestAll(
      pool,
      window.map((event) => (event.event_type === 'ad_impression' ? { ...event, cost: 0.02 } : event)),
    );
    notifications.length = 0;
    await runTasks(database.url, ['anomaly_alerts'], at(60));

    const windowStart = at(60 - WINDOW.windowMinutes);
    const baselineStart = new Date(windowStart.getTime() - WINDOW.baselineHours * 3_600_000);
    const { rows: oracle } = await pool.query(
      `SELECT sum(cost) FILTER (WHERE ts >= $2)::float8 / count(*) FILTER (WHERE ts >= $2 AND event_type = 'ad_click')
                AS current,
              sum(cost) FILTER (WHERE ts < $2)::float8 / count(*) FILTER (WHERE ts < $2 AND event_type = 'ad_click')
                AS baseline
       FROM raw_events WHERE campaign_id = 'camp_cpm' AND ts >= $1 AND ts < $3`,
      [baselineStart, windowStart, at(60)],
    );
    const { current, baseline } = oracle[0];
    expect(current).toBeCloseTo((15 * 0.8 + 500 * 0.02) / 15, 9); // the oracle counts what was sent
    const { rows } = await pool.query(
      `SELECT metric, status, current_value, baseline_value, message FROM alerts WHERE campaign_id = 'camp_cpm'`,
    );
    expect(rows).toEqual([
      {
        metric: 'cpc_spike',
        status: 'firing',
        current_value: expect.closeTo(current, 9),
        baseline_value: expect.closeTo(baseline, 9),
        message: `Average CPC (spend / clicks) rose 83% for camp_cpm (google): ${current.toFixed(2)} vs baseline ${baseline.toFixed(2)}`,
      },
    ]);
  });
});
