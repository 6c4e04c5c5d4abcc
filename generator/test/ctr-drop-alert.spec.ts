import { type AlertChangedPayload, NOTIFY_CHANNELS } from '@pmd/db';
import { useTestDatabase } from '@pmd/db/testing';
import { buildApp, type App } from '@pmd/server';
import { startWorker } from '@pmd/worker';
import { createClient, type Client as WsClient } from 'graphql-ws';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOptions } from '../src/options.ts';
import { simulationOptions } from '../src/run.ts';
import { Sender } from '../src/sender.ts';
import { Simulation, type SimulatedEvent } from '../src/simulation.ts';
import WebSocket from 'ws';

type Runner = Awaited<ReturnType<typeof startWorker>>;

const MINUTE = 60_000;
const DEGRADED = { campaign_id: 'camp_meta_prospecting', channel: 'meta' };

interface AlertChangedResult {
  alertChanged: { kind: 'FIRED' | 'ACKNOWLEDGED' | 'RESOLVED'; alert: { alertId: number; status: string } };
}

/**
 * Time is compressed by simulating the past: the generator writes two hours of history (its `--backfill` mode), then
 * its `ctr-drop` scenario in 15-minute phases (normal, degraded, normal) ending at the current minute. The real worker
 * evaluates anomaly_alerts for the tick that closes the degraded phase, then for the tick that closes the recovered
 * one: the same instants its crontab would run them at, with the seeded rules on the window method (15-minute window,
 * 24-hour baseline, 30 % drop, z ≤ −3, ≥ 200 impressions).
 */
describe('ctr-drop scenario end to end', () => {
  const database = useTestDatabase();
  let app: App;
  let apiUrl: string;
  let ws: WsClient;
  let runner: Runner;
  let pool: pg.Pool;
  let listener: pg.Client;
  const notifications: AlertChangedPayload[] = [];
  /** Outcome of each finished worker job by id: null on success, else its error. */
  const finished = new Map<string, unknown>();
  let onFinished: (() => void) | undefined;

  beforeAll(async () => {
    app = buildApp({ databaseUrl: database.url, config: { ingestToken: 'gen-token' } });
    const port = await app.start(0);
    apiUrl = `http://127.0.0.1:${port}`;
    ws = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    pool = new pg.Pool({ connectionString: database.url });
    pool.on('error', () => {}); // idle clients are cut when the test database is dropped
    // The seeded rules on the window method: this test checks its values exactly (the seeded CTR rule's CUSUM has
    // worker/test/alerts-sequential). Rules are rows; the worker reads them at every run.
    await pool.query(
      `UPDATE alert_rules SET method = 'window', window_minutes = 15, significance = 3, min_baseline_volume = 200`,
    );
    // No crontab: the test queues each tick itself, so no wall-clock tick evaluates a half-sent phase.
    runner = await startWorker({ databaseUrl: database.url, crontab: '', concurrency: 1 });
    runner.events.on('job:complete', ({ job, error }) => {
      finished.set(job.id, error ?? null);
      onFinished?.();
    });
    listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
    listener.on('notification', (message) => {
      if (message.channel === NOTIFY_CHANNELS.alertChanged) notifications.push(JSON.parse(message.payload ?? 'null'));
    });
    await listener.query(`LISTEN ${NOTIFY_CHANNELS.alertChanged}`);
  });
  afterAll(async () => {
    await ws?.dispose();
    await runner?.stop();
    await listener?.end();
    await pool?.end();
    await app?.stop();
  });

  /** Queues anomaly_alerts for `tick` (as cron would) and waits until the running worker has finished it. */
  async function evaluateAt(tick: Date): Promise<void> {
    const job = await runner.addJob('anomaly_alerts', { at: tick.toISOString() }, { maxAttempts: 1 });
    while (!finished.has(job.id)) await new Promise<void>((resolve) => (onFinished = resolve));
    const error = finished.get(job.id);
    if (error) throw error;
  }

  /** A round trip on the listening connection, so notifications sent before it have arrived. */
  const settle = () => listener.query('SELECT 1');

  /** Brute-force CTR of the degraded campaign over [from, to) from raw_events. */
  async function observedCtr(from: Date, to: Date): Promise<number> {
    const { rows } = await pool.query<{ ctr: number }>(
      `SELECT (count(*) FILTER (WHERE event_type = 'ad_click'))::float8
                / count(*) FILTER (WHERE event_type = 'ad_impression') AS ctr
       FROM raw_events WHERE campaign_id = $1 AND channel = $2 AND ts >= $3 AND ts < $4`,
      [DEGRADED.campaign_id, DEGRADED.channel, from, to],
    );
    return rows[0]!.ctr;
  }

  it('makes the worker fire and later resolve a ctr_drop alert', { timeout: 180_000 }, async () => {
    const phaseMs = 15 * MINUTE;
    const recovered = new Date(Math.floor(Date.now() / MINUTE) * MINUTE); // end of the recovered phase: now
    const degradedEnd = new Date(recovered.getTime() - phaseMs);
    const degradedStart = new Date(degradedEnd.getTime() - phaseMs);
    const scenarioStart = new Date(degradedStart.getTime() - phaseMs);

    const history = parseOptions(['--backfill', '2h', '--backfill-rate', '2', '--seed', '61'], {});
    const live = parseOptions(
      [
        ['--url', apiUrl],
        ['--token', 'gen-token'],
        ['--seed', '62'],
        ['--rate', '16'],
        ['--scenario', 'ctr-drop'],
        ['--ctr-drop-campaign', DEGRADED.campaign_id],
        ['--ctr-drop-factor', '0.45'],
        ['--ctr-drop-phase', '15m'],
        ['--batch-size', '1000'],
        ['--concurrency', '2'],
        ['--flush-interval', '50ms'],
      ].flat(),
      {},
    );
    const backfill = new Simulation({
      ...simulationOptions(history, new Date(scenarioStart.getTime() - history.backfillMs), true),
      stopAt: scenarioStart,
    });
    const scenario = new Simulation(simulationOptions(live, scenarioStart, false));
    expect(scenario.degradedAt(degradedStart.getTime())).toBe(true);
    expect(scenario.degradedAt(degradedEnd.getTime())).toBe(false);

    const sender = new Sender({
      url: live.url,
      token: live.token,
      batchSize: live.batchSize,
      flushIntervalMs: live.flushIntervalMs,
      concurrency: live.concurrency,
      maxBuffered: live.maxBuffered,
    });
    let generated = 0;
    const send = async (events: SimulatedEvent[]) => {
      for (const event of events) {
        generated++;
        await sender.enqueue(event);
      }
      await sender.flush();
    };

    try {
      // History, the normal phase and the degraded phase; then the tick that closes the degraded phase.
      await send(backfill.advanceTo(scenarioStart));
      await send(scenario.advanceTo(degradedEnd));
      await evaluateAt(degradedEnd);

      const fired = await pool.query('SELECT * FROM alerts ORDER BY alert_id');
      expect(fired.rows).toEqual([
        expect.objectContaining({
          ...DEGRADED,
          metric: 'ctr_drop',
          status: 'firing',
          triggered_at: degradedEnd,
          resolved_at: null,
        }),
      ]);
      const alert = fired.rows[0];
      // The values are the traffic the generator sent: exact against raw_events, and past the 30 % firing level.
      expect(alert.current_value).toBeCloseTo(await observedCtr(degradedStart, degradedEnd), 12);
      expect(alert.baseline_value).toBeCloseTo(
        await observedCtr(new Date(degradedStart.getTime() - 24 * 60 * MINUTE), degradedStart),
        12,
      );
      expect(alert.current_value / alert.baseline_value).toBeLessThan(0.7);
      expect(alert.message).toMatch(/^CTR dropped \d+% for camp_meta_prospecting \(meta\): .* z=-\d/);
      await settle();
      expect(notifications).toEqual([{ alertId: alert.alert_id, status: 'firing' }]);

      // A dashboard subscribed to alertChanged. Subscribing is asynchronous and nothing says when the server's stream
      // is in place, so probe with a notification for this alert until one comes through.
      const changes = ws.iterate<AlertChangedResult>({
        query: 'subscription { alertChanged { kind alert { alertId status } } }',
      });
      let primed = false;
      const firstChange = changes.next().then(() => (primed = true));
      while (!primed) {
        await pool.query('SELECT pg_notify($1, $2)', [
          NOTIFY_CHANNELS.alertChanged,
          JSON.stringify({ alertId: alert.alert_id, status: 'firing' }),
        ]);
        await Promise.race([firstChange, new Promise((resolve) => setTimeout(resolve, 200))]);
      }
      await settle();
      notifications.length = 0;

      // The recovered phase; then the tick that closes it.
      await send(scenario.advanceTo(recovered));
      await evaluateAt(recovered);

      const after = await pool.query('SELECT * FROM alerts ORDER BY alert_id');
      expect(after.rows).toEqual([
        expect.objectContaining({
          alert_id: alert.alert_id,
          ...DEGRADED,
          metric: 'ctr_drop',
          status: 'resolved',
          triggered_at: degradedEnd,
          resolved_at: recovered,
        }),
      ]);
      expect(after.rows[0].current_value).toBeCloseTo(await observedCtr(degradedEnd, recovered), 12);
      expect(after.rows[0].message).toMatch(/^CTR recovered for camp_meta_prospecting \(meta\)/);
      await settle();
      expect(notifications).toEqual([{ alertId: alert.alert_id, status: 'resolved' }]);
      // The subscriber is told, past any leftover probes.
      let change = await changes.next();
      while (!change.done && change.value.data?.alertChanged.kind === 'FIRED') change = await changes.next();
      expect(change.value?.data).toEqual({
        alertChanged: { kind: 'RESOLVED', alert: { alertId: alert.alert_id, status: 'RESOLVED' } },
      });
      await changes.return?.();
    } finally {
      await sender.close();
    }

    // Every generated event went over HTTP and was stored once.
    expect(sender.stats).toMatchObject({ rejected: 0, duplicates: 0, pending: 0, stored: generated });
    const stored = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM raw_events');
    expect(stored.rows[0]!.n).toBe(generated);
  });
});
