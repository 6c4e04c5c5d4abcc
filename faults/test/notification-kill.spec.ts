import { useTestDatabase } from '@pmd/db/testing';
import { startWebhookReceiver, type WebhookReceiver } from '@pmd/testkit/receivers';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './testkit/jobs.ts';
import { startWorkerProcess, type ChildService } from './testkit/processes.ts';

const SECRET = 'kill-test-secret-0123456789';

/**
 * The worker process is SIGKILLed while it waits for a webhook receiver's answer (the receiver holds the request
 * open). A new worker frees the dead one's job (liveness sweep) and sends the delivery again with the same
 * idempotency key: the receiver sees the key twice and can drop the repeat; nothing is lost and the delivery row
 * stays one row, ending `sent`.
 */
describe('a worker killed mid-send', () => {
  const database = useTestDatabase();
  let pool: pg.Pool;
  let receiver: WebhookReceiver;
  const workers: ChildService[] = [];
  const env = { ALLOW_PRIVATE_WEBHOOK_TARGETS: 'true', WORKER_SWEEP_INTERVAL_MS: '1000' };

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    pool.on('error', () => {});
    receiver = await startWebhookReceiver({ secret: SECRET, respond: (n) => (n === 1 ? 'hold' : 200) });
  });
  afterAll(async () => {
    for (const worker of workers) await worker.kill();
    await receiver?.close();
    await pool?.end();
  });

  it('resends with the same idempotency key after a new worker starts, and the delivery ends sent', async () => {
    workers.push(await startWorkerProcess(database.url, env));
    const { rows: channels } = await pool.query<{ id: number }>(
      `INSERT INTO notification_channels (name, kind, target, secret) VALUES ('hook', 'webhook', $1, $2) RETURNING id`,
      [receiver.url, SECRET],
    );
    const { rows: alerts } = await pool.query<{ alert_id: number }>(
      `INSERT INTO alerts (campaign_id, channel, metric, current_value, baseline_value, threshold_value, message)
       VALUES ('camp-kill', 'google', 'ctr_drop', 0.01, 0.02, 0.014, 'CTR dropped 50%') RETURNING alert_id`,
    );
    const key = `alert:${alerts[0]!.alert_id}:fired:0:channel:${channels[0]!.id}`;

    await waitFor('the first attempt to reach the receiver', async () => (receiver.received.length ? true : undefined));
    expect((await pool.query('SELECT status FROM notification_deliveries')).rows).toEqual([{ status: 'sending' }]);
    await workers[0]!.kill();
    // The dead worker never hears an answer; releasing the held request now cannot complete its attempt.
    receiver.releaseHeld();

    workers.push(await startWorkerProcess(database.url, env));
    await waitFor(
      'the delivery to be sent by the new worker',
      async () => {
        const { rows } = await pool.query(`SELECT status FROM notification_deliveries WHERE status = 'sent'`);
        return rows.length ? true : undefined;
      },
      60_000,
    );
    const { rows } = await pool.query(
      'SELECT idempotency_key, status, attempts, last_response_code FROM notification_deliveries',
    );
    expect(rows).toEqual([{ idempotency_key: key, status: 'sent', attempts: 2, last_response_code: 200 }]);
    expect(receiver.received.map((r) => r.idempotencyKey)).toEqual([key, key]);
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
    expect(workers[1]!.wrote('freed jobs and queues held by dead workers')).toBe(true);
  }, 90_000);
});
