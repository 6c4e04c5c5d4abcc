import { MAX_DELIVERY_ERROR_LENGTH, type NotificationEvent, notificationSummary, emailRecipients } from '@pmd/domain';
import type { Transporter } from 'nodemailer';
import type pg from 'pg';
import { type AlertRow, buildPayload, messageText, slackBody } from './message.ts';
import { postJson } from './http.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignature } from './signature.ts';

export interface NotifySettings {
  /** Deadline of one webhook request. */
  timeoutMs: number;
  allowPrivateTargets: boolean;
  /** The dashboard's public address, for links in messages. */
  dashboardUrl?: string;
  /** Null when SMTP is not configured: email deliveries then fail (and retry) saying so. */
  mailer: Transporter | null;
  mailFrom: string;
}

interface DeliveryRow {
  event: NotificationEvent;
  idempotency_key: string;
  kind: 'webhook' | 'slack' | 'email';
  target: string;
  secret: string | null;
  enabled: boolean;
  alert: AlertRow | null;
}

/** Takes the delivery for this attempt: nothing when it is gone (channel deleted) or was sent already (a rerun). */
const TAKE_SQL = `
  UPDATE notification_deliveries d
  SET status = 'sending', attempts = d.attempts + 1, updated_at = now()
  FROM notification_channels c
  WHERE d.id = $1 AND c.id = d.channel_id AND d.status <> 'sent'
  RETURNING d.event, d.idempotency_key, c.kind, c.target, c.secret, c.enabled,
    (SELECT to_jsonb(a) || jsonb_build_object('rule_name', r.name)
     FROM alerts a LEFT JOIN alert_rules r ON r.id = a.rule_id WHERE a.alert_id = d.alert_id) AS alert`;

const RECORD_SQL = `
  UPDATE notification_deliveries
  SET status = $2, last_response_code = $3, last_error = $4, updated_at = now(),
      sent_at = CASE WHEN $2 = 'sent' THEN now() END
  WHERE id = $1`;

/** A delivery attempt that failed; the job rethrows it so graphile-worker retries with its backoff. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly responseCode: number | null = null,
  ) {
    super(message);
  }
}

export type DeliveryOutcome = 'sent' | 'skipped' | 'retry' | 'failed';

/** to_jsonb gives timestamps as strings. */
function alertFromJson(json: Record<string, unknown> | null): AlertRow | null {
  if (!json) return null;
  const date = (value: unknown) => (typeof value === 'string' ? new Date(value) : null);
  return {
    ...(json as unknown as AlertRow),
    window_start: date(json.window_start),
    window_end: date(json.window_end),
    triggered_at: new Date(json.triggered_at as string),
    resolved_at: date(json.resolved_at),
  };
}

async function send(row: DeliveryRow, settings: NotifySettings, now: Date): Promise<number | null> {
  const payload = buildPayload(
    { idempotencyKey: row.idempotency_key, event: row.event },
    row.alert,
    settings.dashboardUrl,
    now,
  );
  if (row.kind === 'email') {
    if (!settings.mailer) throw new DeliveryError('SMTP is not configured (SMTP_URL)');
    await settings.mailer.sendMail({
      from: settings.mailFrom,
      to: emailRecipients(row.target),
      subject: notificationSummary(payload),
      text: messageText(payload),
      headers: { 'Idempotency-Key': row.idempotency_key },
    });
    return null;
  }
  const body = JSON.stringify(row.kind === 'slack' ? slackBody(payload) : payload);
  const headers: Record<string, string> = { 'Idempotency-Key': row.idempotency_key };
  if (row.kind === 'webhook') {
    const timestamp = String(Math.floor(now.getTime() / 1000));
    headers[TIMESTAMP_HEADER] = timestamp;
    if (row.secret) headers[SIGNATURE_HEADER] = webhookSignature(row.secret, timestamp, body);
  }
  const response = await postJson(row.target, body, headers, {
    timeoutMs: settings.timeoutMs,
    allowPrivateTargets: settings.allowPrivateTargets,
  });
  if (response.status < 200 || response.status >= 300) {
    throw new DeliveryError(`HTTP ${response.status}: ${response.body}`, response.status);
  }
  return response.status;
}

/**
 * One attempt of one delivery: takes it (status sending), sends, records the result. A delivery found `sent` is not
 * sent again. A worker killed mid-send leaves it `sending`; the job is then freed and rerun, and the message goes out
 * again with the same idempotency key (at least once; receivers drop a key they have seen).
 * `lastAttempt`: graphile-worker will not retry after this one, so a failure is final (`failed`, else `pending`).
 */
export async function deliverNotification(
  client: pg.ClientBase,
  deliveryId: string,
  settings: NotifySettings,
  lastAttempt: boolean,
  now = new Date(),
): Promise<{ outcome: DeliveryOutcome; error?: DeliveryError }> {
  const taken = await client.query<Omit<DeliveryRow, 'alert'> & { alert: Record<string, unknown> | null }>(TAKE_SQL, [
    deliveryId,
  ]);
  const raw = taken.rows[0];
  if (!raw) return { outcome: 'skipped' };
  const row: DeliveryRow = { ...raw, alert: alertFromJson(raw.alert) };
  // A test is how a channel is tried before it is enabled; alert messages respect a disable made after queuing.
  if (!row.enabled && row.event !== 'test') {
    await client.query(RECORD_SQL, [deliveryId, 'failed', null, 'the channel was disabled before sending']);
    return { outcome: 'failed' };
  }
  try {
    const code = await send(row, settings, now);
    await client.query(RECORD_SQL, [deliveryId, 'sent', code, null]);
    return { outcome: 'sent' };
  } catch (cause) {
    const error = cause instanceof DeliveryError ? cause : new DeliveryError((cause as Error).message);
    await client.query(RECORD_SQL, [
      deliveryId,
      lastAttempt ? 'failed' : 'pending',
      error.responseCode,
      error.message.slice(0, MAX_DELIVERY_ERROR_LENGTH),
    ]);
    return { outcome: lastAttempt ? 'failed' : 'retry', error };
  }
}

/**
 * Queues what the trigger could not (graphile-worker's schema did not exist yet) or what lost its job: unfinished
 * deliveries older than a minute. unsafe_dedupe (in notification_queue_job) leaves any existing job alone.
 */
export async function queueOrphanDeliveries(client: pg.ClientBase): Promise<number> {
  const result = await client.query(`
    SELECT notification_queue_job(id, idempotency_key) FROM notification_deliveries
    WHERE status IN ('pending', 'sending') AND created_at < now() - interval '1 minute'`);
  return result.rowCount ?? 0;
}

/** Queues the repeats due at `now` (SQL function notification_enqueue_repeats); returns how many. */
export async function enqueueRepeats(client: pg.ClientBase, now: Date): Promise<number> {
  const result = await client.query<{ n: number }>('SELECT notification_enqueue_repeats($1) AS n', [now]);
  return result.rows[0]?.n ?? 0;
}
