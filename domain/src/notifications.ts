import { z } from 'zod';
import { ALERT_SEVERITIES } from './alert-rules.ts';

/**
 * Notification channels and the message every channel is sent: limits, target validation and the payload schema,
 * defined once for the API, the worker, the dashboard and receivers' tests.
 */

export const NOTIFICATION_CHANNEL_KINDS = ['webhook', 'slack', 'email'] as const;
export type NotificationChannelKind = (typeof NOTIFICATION_CHANNEL_KINDS)[number];

export const NOTIFICATION_EVENTS = ['fired', 'resolved', 'repeat', 'test'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** Column sizes of notification_channels (the migration declares the same). */
export const MAX_CHANNEL_NAME_LENGTH = 100;
export const MAX_CHANNEL_TARGET_LENGTH = 2048;
export const MIN_CHANNEL_SECRET_LENGTH = 16;
export const MAX_CHANNEL_SECRET_LENGTH = 256;
export const MAX_EMAIL_RECIPIENTS = 20;
/** Repeats at most every minute and at least once a week. */
export const MAX_REPEAT_INTERVAL_MINUTES = 7 * 24 * 60;
/** Most deliveries one `notificationDeliveries` query returns. */
export const MAX_DELIVERIES_PAGE = 100;
/** notification_deliveries.last_error is cut to this many characters. */
export const MAX_DELIVERY_ERROR_LENGTH = 1000;

/** Pragmatic address check (what a mail server would accept as local@domain.tld); no spaces, commas or brackets. */
const EMAIL = /^[^\s@,<>()"]+@[^\s@,<>()"]+\.[^\s@,<>()".]+$/;

/** The recipients of an email channel's target: comma-separated addresses. */
export function emailRecipients(target: string): string[] {
  return target
    .split(',')
    .map((address) => address.trim())
    .filter(Boolean);
}

/** Why a channel target is unusable for its kind, or null when it is fine. */
export function channelTargetProblem(kind: NotificationChannelKind, target: string): string | null {
  if (target.length > MAX_CHANNEL_TARGET_LENGTH) return `must be at most ${MAX_CHANNEL_TARGET_LENGTH} characters`;
  if (kind === 'email') {
    const recipients = emailRecipients(target);
    if (!recipients.length) return 'must name at least one email address';
    if (recipients.length > MAX_EMAIL_RECIPIENTS) return `must name at most ${MAX_EMAIL_RECIPIENTS} addresses`;
    const bad = recipients.find((address) => !EMAIL.test(address));
    return bad === undefined ? null : `${JSON.stringify(bad.slice(0, 100))} is not an email address`;
  }
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
  // Credentials in the URL would be shown to every reader of the channel list.
  if (url.username || url.password) return 'must not contain a user name or password';
  return null;
}

/**
 * Loopback, private, link-local (cloud metadata at 169.254.169.254), unique-local and unspecified addresses: a
 * webhook to one of these reaches the inside of our network (SSRF), so they are refused unless allowed by setting.
 * `host` is an IP literal (IPv6 with or without brackets) or a name; the names `localhost` and `*.localhost` count.
 */
export function isPrivateHost(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name.replace(/^::ffff:/, ''));
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168)
    );
  }
  if (!name.includes(':')) return false;
  return name === '::' || name === '::1' || /^f[cd]/.test(name) || /^fe[89ab]/.test(name);
}

/** The JSON every channel is sent (webhook body as is; Slack and email render it as text). */
export const NotificationPayloadSchema = z.object({
  /** Same key on every attempt of one delivery: receivers drop repeats of a key they have seen. */
  idempotencyKey: z.string(),
  event: z.enum(NOTIFICATION_EVENTS),
  sentAt: z.string(),
  /** Null for test sends. */
  alert: z
    .object({
      id: z.number().int(),
      campaignId: z.string(),
      channel: z.string(),
      metric: z.string(),
      /** The rule that raised it: its id and name (null once it is deleted, or for an alert older than rules). */
      ruleId: z.number().int().nullable(),
      ruleName: z.string().nullable(),
      /** The rule's severity when the alert was raised. */
      severity: z.enum(ALERT_SEVERITIES),
      status: z.string(),
      currentValue: z.number(),
      baselineValue: z.number(),
      /** (current − baseline) / baseline, null when the baseline is 0. */
      change: z.number().nullable(),
      message: z.string(),
      windowStart: z.string().nullable(),
      windowEnd: z.string().nullable(),
      triggeredAt: z.string(),
      resolvedAt: z.string().nullable(),
      /** Null when the worker does not know the dashboard's address (DASHBOARD_URL unset). */
      dashboardUrl: z.string().nullable(),
    })
    .nullable(),
});
export type NotificationPayload = z.infer<typeof NotificationPayloadSchema>;

/** One line for humans (Slack text, email subject). */
export function notificationSummary(payload: NotificationPayload): string {
  const alert = payload.alert;
  if (!alert) return 'Test notification from the performance marketing dashboard';
  const what = { fired: 'FIRING', repeat: 'STILL FIRING', resolved: 'RESOLVED', test: 'TEST' }[payload.event];
  return `[${what}][${alert.severity}] ${alert.ruleName ?? alert.metric} on ${alert.campaignId} / ${alert.channel}: ${alert.message}`;
}
