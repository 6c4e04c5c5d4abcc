import { useTestDatabase } from '@pmd/db/testing';
import { type AlertMetric, type AlertRuleSettings, defaultRuleSettings, NotificationPayloadSchema } from '@pmd/domain';
import { startWebhookReceiver } from '@pmd/testkit/receivers';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { evaluateAlerts } from '../src/lib/alerts.ts';
import { deliverNotification, enqueueRepeats } from '../src/lib/notify/deliver.ts';
import { DEFAULT_NOTIFY_CONFIG, notifySettings } from '../src/lib/notify/settings.ts';
import { createRule, routeRule } from './testkit/rules.ts';

// Rules as data through the real run (evaluateAlerts, its SQL, the notification triggers) on a real PostgreSQL, with
// per-minute rollup rows written directly and a fixed clock: each run is evaluated at the tick cron would give it.
const T = new Date('2026-11-20T12:00:00Z');
const MINUTE = 60_000;
const at = (minutes: number) => new Date(T.getTime() + minutes * MINUTE);

interface Key {
  campaign_id: string;
  channel: string;
}

describe('alert rules evaluated by the worker', () => {
  const database = useTestDatabase();
  let pool: pg.Pool;

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: database.url });
    pool.on('error', () => {}); // idle clients are cut when the test database is dropped
  });
  afterAll(() => pool.end());
  // Each test brings its own rules (the seeded defaults go too), traffic and channels.
  beforeEach(async () => {
    await pool.query('DELETE FROM alerts');
    await pool.query('DELETE FROM alert_rules');
    await pool.query('DELETE FROM notification_channels');
    await pool.query('DELETE FROM campaign_metrics_minute');
  });

  /** Per-minute rollup rows of one key: `count` minutes from `from`, each with the same counts. */
  async function traffic(key: Key, from: Date, count: number, perMinute: { impressions: number; clicks: number }) {
    const rows = Array.from({ length: count }, (_, i) => ({
      ...key,
      minute: new Date(from.getTime() + i * MINUTE).toISOString(),
      ...perMinute,
    }));
    await pool.query(
      `INSERT INTO campaign_metrics_minute (campaign_id, channel, minute, impressions, clicks)
       SELECT campaign_id, channel, minute, impressions, clicks
       FROM jsonb_to_recordset($1::jsonb) AS r(campaign_id text, channel text, minute timestamptz, impressions bigint,
         clicks bigint)`,
      [JSON.stringify(rows)],
    );
  }

  const evaluate = async (tick: Date) => {
    const client = await pool.connect();
    try {
      return await evaluateAlerts(client, tick, 'UTC');
    } finally {
      client.release();
    }
  };

  const rule = (metric: AlertMetric, settings: Partial<AlertRuleSettings>) =>
    createRule(pool, { ...defaultRuleSettings(metric), ...settings });

  /** A window rule of CTR over 15 minutes against the hour before. */
  const ctrWindow = (settings: Partial<AlertRuleSettings>) =>
    rule('ctr_drop', {
      method: 'window',
      windowMinutes: 15,
      baselineHours: 1,
      significance: 3,
      minBaselineVolume: 200,
      ...settings,
    });

  /** An hour of 200 impressions a minute at CTR 3 %, then 15 minutes at 1.5 % up to T. */
  async function ctrDrop(key: Key) {
    await traffic(key, at(-75), 60, { impressions: 200, clicks: 6 });
    await traffic(key, at(-15), 15, { impressions: 200, clicks: 3 });
  }

  const alerts = async () =>
    (
      await pool.query(
        `SELECT alert_id, rule_id, campaign_id, channel, metric, severity, status, pending_since, triggered_at,
                resolved_at, current_value, baseline_value, message, window_start, window_end, baseline_start,
                baseline_end
         FROM alerts ORDER BY alert_id`,
      )
    ).rows;
  const deliveries = async () =>
    (await pool.query(`SELECT d.id, d.alert_id, d.channel_id, d.event FROM notification_deliveries d ORDER BY d.id`))
      .rows;
  const addChannel = async (name: string, target = `https://hooks.example.com/${name}`) =>
    (
      await pool.query<{ id: number }>(
        `INSERT INTO notification_channels (name, kind, target) VALUES ($1, 'webhook', $2) RETURNING id`,
        [name, target],
      )
    ).rows[0]!.id;

  it('judges each rule only in its scope: one campaign, one channel; a disabled rule nothing', async () => {
    const A = { campaign_id: 'camp_a', channel: 'meta' };
    const B = { campaign_id: 'camp_b', channel: 'meta' };
    const C = { campaign_id: 'camp_c', channel: 'tiktok' };
    for (const key of [A, B, C]) await ctrDrop(key);
    const campaignRule = await ctrWindow({ name: 'camp_a CTR', scope: 'campaign', scopeValue: 'camp_a' });
    const channelRule = await ctrWindow({
      name: 'TikTok CTR',
      scope: 'channel',
      scopeValue: 'tiktok',
      severity: 'critical',
    });
    await ctrWindow({ name: 'Everything, off', enabled: false });

    const result = await evaluate(T);
    expect(result).toMatchObject({ rules: 2, judged: 2, fired: 2 });
    expect(await alerts()).toEqual([
      expect.objectContaining({ rule_id: campaignRule, ...A, status: 'firing', severity: 'warning' }),
      expect.objectContaining({ rule_id: channelRule, ...C, status: 'firing', severity: 'critical' }),
    ]);
  });

  it('pending: holds the alert for the rule period without notifying, fires after it; a cleared one is cancelled', async () => {
    const channel = await addChannel('all');
    const HELD = { campaign_id: 'camp_held', channel: 'google' };
    const BRIEF = { campaign_id: 'camp_brief', channel: 'google' };
    // A 1-minute window at 1,000 impressions a minute: a minute without clicks is a clear drop on its own.
    const ruleId = await ctrWindow({ name: 'CTR for 3 min', windowMinutes: 1, pendingMinutes: 3 });
    for (const key of [HELD, BRIEF]) await traffic(key, at(-60), 60, { impressions: 1000, clicks: 30 });
    await traffic(HELD, at(0), 10, { impressions: 1000, clicks: 0 });
    await traffic(BRIEF, at(0), 2, { impressions: 1000, clicks: 0 });
    await traffic(BRIEF, at(2), 8, { impressions: 1000, clicks: 30 });

    expect(await evaluate(at(1))).toMatchObject({ pending: 2, fired: 0 });
    // Written in campaign order: camp_brief, then camp_held.
    expect(await alerts()).toEqual([
      expect.objectContaining({
        ...BRIEF,
        rule_id: ruleId,
        status: 'pending',
        pending_since: at(1),
        resolved_at: null,
      }),
      expect.objectContaining({ ...HELD, rule_id: ruleId, status: 'pending', pending_since: at(1), resolved_at: null }),
    ]);
    await evaluate(at(2));
    // BRIEF's minute at(2) has its clicks back: cleared before its 3 minutes, so cancelled, never fired.
    expect(await evaluate(at(3))).toMatchObject({ cancelled: 1, promoted: 0 });
    const [brief, held] = await alerts();
    expect(held).toMatchObject({ status: 'pending', resolved_at: null });
    expect(brief).toMatchObject({ status: 'cancelled', resolved_at: at(3), pending_since: at(1) });
    expect(brief.message).toMatch(/^CTR back within bounds before firing for camp_brief \(google\)/);
    expect(await deliveries()).toEqual([]);

    // HELD's condition held at(1)…at(4): 3 minutes, it fires now, and receivers hear it once.
    expect(await evaluate(at(4))).toMatchObject({ promoted: 1 });
    expect((await alerts())[1]).toMatchObject({ status: 'firing', triggered_at: at(4), pending_since: at(1) });
    await evaluate(at(5));
    expect(await deliveries()).toEqual([
      expect.objectContaining({ alert_id: held.alert_id, channel_id: channel, event: 'fired' }),
    ]);
    const changes = await pool.query(`SELECT alert_id, from_status, to_status FROM alert_state_changes ORDER BY id`);
    expect(changes.rows).toEqual([
      { alert_id: brief.alert_id, from_status: null, to_status: 'pending' },
      { alert_id: held.alert_id, from_status: null, to_status: 'pending' },
      { alert_id: brief.alert_id, from_status: 'pending', to_status: 'cancelled' },
      { alert_id: held.alert_id, from_status: 'pending', to_status: 'firing' },
    ]);
  });

  it('last_week baseline: compares with the same hour a week earlier, not with the hours right before', async () => {
    const WEEK = 7 * 24 * 60;
    // LOW_ALL_WEEK: CTR 1.5 % a week ago and now, 3 % in the hour before: low only against the trailing hour.
    // DROPPED: 3 % a week ago, 1.5 % in the hour before and now: low only against last week.
    const LOW_ALL_WEEK = { campaign_id: 'camp_low_all_week', channel: 'meta' };
    const DROPPED = { campaign_id: 'camp_dropped', channel: 'meta' };
    await traffic(LOW_ALL_WEEK, at(-WEEK - 60), 60, { impressions: 200, clicks: 3 });
    await traffic(LOW_ALL_WEEK, at(-75), 60, { impressions: 200, clicks: 6 });
    await traffic(LOW_ALL_WEEK, at(-15), 15, { impressions: 200, clicks: 3 });
    await traffic(DROPPED, at(-WEEK - 60), 60, { impressions: 200, clicks: 6 });
    await traffic(DROPPED, at(-75), 75, { impressions: 200, clicks: 3 });
    const trailing = await ctrWindow({ name: 'vs the hour before' });
    const lastWeek = await ctrWindow({ name: 'vs last week', baseline: 'last_week' });

    await evaluate(T);
    expect(await alerts()).toEqual([
      expect.objectContaining({
        rule_id: trailing,
        ...LOW_ALL_WEEK,
        baseline_start: at(-75),
        baseline_end: at(-15),
        baseline_value: expect.closeTo(0.03, 9),
      }),
      expect.objectContaining({
        rule_id: lastWeek,
        ...DROPPED,
        // The hour up to the tick's instant a week earlier: apart from the window.
        baseline_start: at(-WEEK - 60),
        baseline_end: at(-WEEK),
        window_start: at(-15),
        window_end: T,
        baseline_value: expect.closeTo(0.03, 9),
        current_value: expect.closeTo(0.015, 9),
      }),
    ]);
  });

  it('impressions_drop ("delivery stopped"): fires when impressions stop, at 0/min, resolves when they are back', async () => {
    const KEY = { campaign_id: 'camp_stopped', channel: 'meta' };
    const ruleId = await rule('impressions_drop', {
      name: 'Delivery stopped',
      windowMinutes: 5,
      baseline: 'trailing',
      baselineHours: 1,
      severity: 'critical',
    });
    await traffic(KEY, at(-60), 60, { impressions: 100, clicks: 3 });
    // Nothing at all from at(0) to at(10) (no rows: no events), then 100 a minute again.
    await traffic(KEY, at(10), 20, { impressions: 100, clicks: 3 });

    const firedAt: number[] = [];
    for (let minute = 1; minute <= 20; minute++) {
      const result = await evaluate(at(minute));
      if (result.fired) firedAt.push(minute);
      if (minute === 5) {
        const [alert] = await alerts();
        expect(alert).toMatchObject({ rule_id: ruleId, status: 'firing', severity: 'critical', current_value: 0 });
        expect(alert.baseline_value).toBeCloseTo(100, 9);
        expect(alert.message).toBe('Impressions dropped 100% for camp_stopped (meta): 0.0/min vs baseline 100.0/min');
      }
    }
    // 2 of the 5 window minutes left (40/min, 60 % down) at(3); 3 left (40 % down) at(2) is milder than 50 %.
    expect(firedAt).toEqual([3]);
    const [alert] = await alerts();
    // At(14): 4 of 5 minutes back (80/min) against 85/min (the hour before, 10 minutes of it empty): 6 % down.
    expect(alert).toMatchObject({ status: 'resolved', resolved_at: at(14), metric: 'impressions_drop' });
    expect(alert.current_value).toBeCloseTo(80, 9);
    expect(alert.message).toBe('Impressions recovered for camp_stopped (meta): 80.0/min vs baseline 85.0/min');
  });

  it('expectedValue: a brand-new campaign is judged against the expected rate within minutes; without it, not yet', async () => {
    const NEW = { campaign_id: 'camp_new', channel: 'google' };
    const scope = { scope: 'campaign', scopeValue: NEW.campaign_id } as const;
    const expected = await rule('ctr_drop', { name: 'New campaign, expected 3 %', expectedValue: 0.03, ...scope });
    const waiting = await rule('ctr_drop', { name: 'New campaign, no expectation', ...scope });
    // No history at all; from at(0) CTR 1 % at 1,000 impressions a minute.
    await traffic(NEW, at(0), 10, { impressions: 1000, clicks: 10 });

    let firstFire: number | null = null;
    for (let minute = 1; minute <= 10; minute++) {
      const result = await evaluate(at(minute));
      if (result.fired && firstFire === null) firstFire = minute;
    }
    expect(firstFire).not.toBeNull();
    expect(firstFire!).toBeLessThanOrEqual(3);
    expect(await alerts()).toEqual([
      expect.objectContaining({
        rule_id: expected,
        ...NEW,
        status: 'firing',
        triggered_at: at(firstFire!),
        baseline_value: 0.03,
        // The expected value stood in for a baseline: no baseline range.
        baseline_start: null,
        baseline_end: null,
        window_start: at(0),
      }),
    ]);
    expect((await alerts()).some((a) => a.rule_id === waiting)).toBe(false);
  });

  it('routing and silences: a rule routed to one channel notifies only it; a silence mutes fires and repeats', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const channelA = await addChannel('A', receiver.url);
      const channelB = await addChannel('B');
      await pool.query('UPDATE notification_channels SET repeat_interval_minutes = 1');
      const ROUTED = { campaign_id: 'camp_routed', channel: 'meta' };
      const SILENCED = { campaign_id: 'camp_silenced', channel: 'meta' };
      for (const key of [ROUTED, SILENCED]) await ctrDrop(key);
      const routed = await ctrWindow({ name: 'Meta CTR to A', scope: 'campaign', scopeValue: ROUTED.campaign_id });
      await routeRule(pool, routed, [channelA]);
      const everywhere = await ctrWindow({ name: 'Silenced CTR', scope: 'campaign', scopeValue: 'camp_silenced' });
      // Silences run on the database's clock (the trigger's now()): planned work on camp_silenced for the next hour.
      const silence = await pool.query<{ id: number }>(
        `INSERT INTO alert_silences (campaign_id, starts_at, ends_at, created_by, comment)
         VALUES ('camp_silenced', now() - interval '1 minute', now() + interval '1 hour', 'ana', 'planned work')
         RETURNING id`,
      );

      expect(await evaluate(T)).toMatchObject({ fired: 2 });
      const [routedAlert, silencedAlert] = await alerts();
      expect(routedAlert).toMatchObject({ rule_id: routed, status: 'firing' });
      expect(silencedAlert).toMatchObject({ rule_id: everywhere, status: 'firing' }); // silenced still fires
      expect(await deliveries()).toEqual([
        expect.objectContaining({ alert_id: routedAlert.alert_id, channel_id: channelA, event: 'fired' }),
      ]);

      // The receiver gets the rule's name and the severity in the (signed) payload.
      const [fired] = await deliveries();
      const client = await pool.connect();
      try {
        const settings = notifySettings({ ...DEFAULT_NOTIFY_CONFIG, allowPrivateTargets: true });
        expect(await deliverNotification(client, String(fired.id), settings, false)).toEqual({ outcome: 'sent' });
      } finally {
        client.release();
      }
      const payload = NotificationPayloadSchema.parse(JSON.parse(receiver.received[0]!.body));
      expect(payload.alert).toMatchObject({
        id: routedAlert.alert_id,
        ruleId: routed,
        ruleName: 'Meta CTR to A',
        severity: 'warning',
        status: 'firing',
      });

      // Repeats follow routing (A only) and wait out the silence; once it is expired both channels hear it.
      const repeats = (now: Date) => enqueueRepeats(pool as unknown as pg.ClientBase, now);
      expect(await repeats(new Date(Date.now() + 2 * MINUTE))).toBe(1);
      expect((await deliveries()).filter((d) => d.event === 'repeat')).toEqual([
        expect.objectContaining({ alert_id: routedAlert.alert_id, channel_id: channelA }),
      ]);
      await pool.query(`UPDATE alert_silences SET ends_at = now() WHERE id = $1`, [silence.rows[0]!.id]);
      // The silenced alert's first reminders (to A and B), and the routed one's next (to A).
      expect(await repeats(new Date(Date.now() + 4 * MINUTE))).toBe(3);
      expect(
        (await deliveries())
          .filter((d) => d.alert_id === silencedAlert.alert_id)
          .map((d) => [d.channel_id, d.event])
          .sort(),
      ).toEqual([
        [channelA, 'repeat'],
        [channelB, 'repeat'],
      ]);
    } finally {
      await receiver.close();
    }
  });
});
