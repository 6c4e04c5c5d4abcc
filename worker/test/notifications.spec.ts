import { createTestDatabase, useTestDatabase } from '@pmd/db/testing';
import { NotificationPayloadSchema } from '@pmd/domain';
import { startWebhookReceiver, type WebhookReceiver } from '@pmd/testkit/receivers';
import type { Runner } from 'graphile-worker';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { enqueueRepeats, queueOrphanDeliveries } from '../src/lib/notify/deliver.ts';
import { DEFAULT_NOTIFY_CONFIG } from '../src/lib/notify/settings.ts';
import { startWorker } from '../src/worker.ts';
import { migrateWorkerSchema } from './testkit/jobs.ts';

const SECRET = 'a-test-secret-of-some-length';

interface Mail {
  to: string[];
  data: string;
}

/** A real SMTP server (smtp-server) that keeps every message it receives. */
async function startSmtpServer(): Promise<{ url: string; mails: Mail[]; close(): Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, mails, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('notification deliveries through the real worker', () => {
  const database = useTestDatabase();
  let pool: pg.Pool;
  let worker: Runner;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: database.url });
    pool.on('error', () => {});
    await migrateWorkerSchema(database.url);
    smtp = await startSmtpServer();
    worker = await startWorker({
      databaseUrl: database.url,
      crontab: '',
      pollInterval: 50,
      notify: {
        ...DEFAULT_NOTIFY_CONFIG,
        smtpUrl: smtp.url,
        allowPrivateTargets: true,
        dashboardUrl: 'https://dash.example.com',
      },
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await smtp?.close();
    await pool?.end();
  });
  afterEach(async () => {
    await pool.query('DELETE FROM notification_channels');
    await pool.query('DELETE FROM alerts');
    for (const receiver of receivers.splice(0)) await receiver.close();
  });

  const receiver = async (options: Parameters<typeof startWebhookReceiver>[0]) => {
    const started = await startWebhookReceiver(options);
    receivers.push(started);
    return started;
  };
  const addChannel = async (kind: string, target: string, secret: string | null = null) =>
    (
      await pool.query<{ id: number }>(
        'INSERT INTO notification_channels (name, kind, target, secret) VALUES ($1, $2, $3, $4) RETURNING id',
        [`${kind}-${Math.random()}`, kind, target, secret],
      )
    ).rows[0]!.id;
  const fireAlert = async (campaign = 'camp-1') =>
    (
      await pool.query<{ alert_id: number }>(
        `INSERT INTO alerts (campaign_id, channel, metric, current_value, baseline_value, threshold_value, message)
         VALUES ($1, 'google', 'ctr_drop', 0.011, 0.02, 0.014, 'CTR dropped 45%') RETURNING alert_id`,
        [campaign],
      )
    ).rows[0]!.alert_id;
  const deliveries = async () =>
    (
      await pool.query(
        `SELECT channel_id, alert_id, event, idempotency_key, status, attempts, last_response_code, last_error
         FROM notification_deliveries ORDER BY id`,
      )
    ).rows;
  const settled = (n: number) =>
    expect
      .poll(async () => (await deliveries()).filter((d) => d.status === 'sent' || d.status === 'failed').length, {
        timeout: 30_000,
        interval: 100,
      })
      .toBe(n);

  it('signs a webhook so the receiver can verify it, and sends fired then resolved once each', async () => {
    const hook = await receiver({ secret: SECRET });
    const channelId = await addChannel('webhook', hook.url, SECRET);
    const alertId = await fireAlert();
    await settled(1);
    await pool.query(`UPDATE alerts SET status = 'resolved', resolved_at = now() WHERE alert_id = $1`, [alertId]);
    await settled(2);

    expect(await deliveries()).toMatchObject([
      { event: 'fired', status: 'sent', attempts: 1, last_response_code: 200 },
      { event: 'resolved', status: 'sent', attempts: 1, last_response_code: 200 },
    ]);
    expect(hook.received).toHaveLength(2);
    expect(hook.received.map((r) => r.signatureValid)).toEqual([true, true]);
    expect(hook.received.map((r) => r.idempotencyKey)).toEqual([
      `alert:${alertId}:fired:0:channel:${channelId}`,
      `alert:${alertId}:resolved:0:channel:${channelId}`,
    ]);
    const fired = NotificationPayloadSchema.parse(JSON.parse(hook.received[0]!.body));
    expect(fired).toMatchObject({
      event: 'fired',
      idempotencyKey: `alert:${alertId}:fired:0:channel:${channelId}`,
      alert: { id: alertId, campaignId: 'camp-1', metric: 'ctr_drop', currentValue: 0.011, baselineValue: 0.02 },
    });
    // Raised by no rule (inserted by hand): no rule name, the default severity.
    expect(fired.alert).toMatchObject({ ruleId: null, ruleName: null, severity: 'warning' });
    expect(fired.alert!.change).toBeCloseTo(-0.45, 10);
    expect(fired.alert!.dashboardUrl).toBe('https://dash.example.com/campaigns/camp-1');
    // A body changed in transit no longer verifies.
    const tampered = hook.received[0]!.body.replace('camp-1', 'camp-2');
    const { verifyPmdSignature } = await import('@pmd/testkit/receivers');
    expect(verifyPmdSignature(SECRET, hook.received[0]!.headers, tampered)).toBe(false);
  });

  it('sends a Slack-compatible body with text and blocks', async () => {
    const hook = await receiver({});
    await addChannel('slack', hook.url);
    await fireAlert();
    await settled(1);
    const body = JSON.parse(hook.received[0]!.body);
    expect(body.text).toContain('[FIRING][warning] ctr_drop on camp-1 / google');
    expect(body.blocks[0].text.text).toContain('CTR dropped 45%');
  });

  it('mails an email channel through a real SMTP server', async () => {
    const channelId = await addChannel('email', 'ops@example.com, oncall@example.com');
    const alertId = await fireAlert();
    await settled(1);
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.to).toEqual(['ops@example.com', 'oncall@example.com']);
    expect(smtp.mails[0]!.data).toContain('Subject: [FIRING][warning] ctr_drop on camp-1 / google');
    expect(smtp.mails[0]!.data).toContain(`Idempotency-Key: alert:${alertId}:fired:0:channel:${channelId}`);
    smtp.mails.length = 0;
  });

  it('retries a receiver that fails twice with backoff, and it gets exactly one successful delivery', async () => {
    const hook = await receiver({ secret: SECRET, respond: (n) => (n <= 2 ? 503 : 200) });
    await addChannel('webhook', hook.url, SECRET);
    await fireAlert();
    await settled(1);
    expect(await deliveries()).toMatchObject([
      { status: 'sent', attempts: 3, last_response_code: 200, last_error: null },
    ]);
    expect(hook.received.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(new Set(hook.received.map((r) => r.idempotencyKey)).size).toBe(1);
  }, 40_000);

  it('skips disabled channels and channels that do not want the event, but sends a test to a disabled one', async () => {
    const hook = await receiver({});
    const disabled = await addChannel('webhook', hook.url);
    await pool.query('UPDATE notification_channels SET enabled = false');
    const quiet = await addChannel('webhook', hook.url);
    await pool.query('UPDATE notification_channels SET notify_on_fire = false WHERE id = $1', [quiet]);
    await fireAlert();
    expect(await deliveries()).toEqual([]);
    await pool.query(`SELECT notification_enqueue($1::int, NULL, 'test', 'test:disabled:channel:' || $1::text)`, [
      disabled,
    ]);
    await settled(1);
    expect(await deliveries()).toMatchObject([{ event: 'test', status: 'sent', alert_id: null }]);
    expect(hook.received).toHaveLength(1);
  });

  it('does not send an alert message queued before its channel was disabled', async () => {
    const hook = await receiver({ respond: () => 503 });
    const channelId = await addChannel('webhook', hook.url);
    await fireAlert();
    await expect.poll(() => hook.received.length, { timeout: 10_000 }).toBe(1);
    await pool.query('UPDATE notification_channels SET enabled = false WHERE id = $1', [channelId]);
    await settled(1);
    expect(await deliveries()).toMatchObject([
      { status: 'failed', attempts: 2, last_error: 'the channel was disabled before sending' },
    ]);
    expect(hook.received).toHaveLength(1);
  }, 20_000);

  it('queues a repeat for an alert firing longer than the interval since its last message, once per interval, none while snoozed', async () => {
    const hook = await receiver({});
    const channelId = await addChannel('webhook', hook.url);
    await pool.query('UPDATE notification_channels SET repeat_interval_minutes = 30 WHERE id = $1', [channelId]);
    const alertId = await fireAlert();
    await settled(1);
    const repeatsNow = () => enqueueRepeats(pool as unknown as pg.ClientBase, new Date());
    /** Moves the alert and its messages `m` minutes into the past. */
    const age = (m: number) =>
      pool.query(
        `WITH a AS (UPDATE alerts SET triggered_at = triggered_at - make_interval(mins => $1))
         UPDATE notification_deliveries SET created_at = created_at - make_interval(mins => $1)`,
        [m],
      );
    await age(29);
    expect(await repeatsNow()).toBe(0);
    await age(2);
    expect(await repeatsNow()).toBe(1);
    expect(await repeatsNow()).toBe(0);
    await settled(2);
    expect((await deliveries()).map((d) => d.idempotency_key)).toEqual([
      `alert:${alertId}:fired:0:channel:${channelId}`,
      `alert:${alertId}:repeat:1:channel:${channelId}`,
    ]);
    // Snoozed, its reminders wait; woken, the next one goes.
    await pool.query(`UPDATE alerts SET snoozed_until = now() + interval '1 hour' WHERE alert_id = $1`, [alertId]);
    await age(40);
    expect(await repeatsNow()).toBe(0);
    await pool.query('UPDATE alerts SET snoozed_until = NULL WHERE alert_id = $1', [alertId]);
    expect(await repeatsNow()).toBe(1);
    await settled(3);
    await pool.query(`UPDATE alerts SET status = 'acknowledged' WHERE alert_id = $1`, [alertId]);
    await age(120);
    expect(await repeatsNow()).toBe(0);
  });
});

describe('before graphile-worker has created its schema', () => {
  it('keeps the delivery pending, and the sweep queues its job once the schema exists', async () => {
    const database = await createTestDatabase();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO notification_channels (name, kind, target) VALUES ('hook', 'webhook', 'https://example.com/h')`,
      );
      await client.query(
        `INSERT INTO alerts (campaign_id, channel, metric, current_value, baseline_value, threshold_value, message)
         VALUES ('c', 'google', 'ctr_drop', 1, 2, 1.5, 'm')`,
      );
      expect((await client.query('SELECT status FROM notification_deliveries')).rows).toEqual([{ status: 'pending' }]);
      await migrateWorkerSchema(database.url);
      await client.query(`UPDATE notification_deliveries SET created_at = now() - interval '2 minutes'`);
      expect(await queueOrphanDeliveries(client)).toBe(1);
      // A second sweep leaves the queued job alone (unsafe_dedupe on the idempotency key).
      await queueOrphanDeliveries(client);
      const jobs = await client.query(
        `SELECT key, task_identifier FROM graphile_worker.jobs WHERE task_identifier = 'deliver_notification'`,
      );
      expect(jobs.rows).toHaveLength(1);
      expect(jobs.rows[0].key).toMatch(/^alert:\d+:fired:0:channel:\d+$/);
    } finally {
      await client.end();
      await database.drop();
    }
  });
});
