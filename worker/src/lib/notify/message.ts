import { type AlertSeverity, type NotificationEvent, type NotificationPayload, notificationSummary } from '@pmd/domain';

/** The alert columns a message is built from (snake_case, as selected), with its rule's name. */
export interface AlertRow {
  alert_id: number;
  campaign_id: string;
  channel: string;
  metric: string;
  rule_id: number | null;
  rule_name: string | null;
  severity: AlertSeverity;
  status: string;
  current_value: number;
  baseline_value: number;
  message: string;
  window_start: Date | null;
  window_end: Date | null;
  triggered_at: Date;
  resolved_at: Date | null;
}

export function buildPayload(
  delivery: { idempotencyKey: string; event: NotificationEvent },
  alert: AlertRow | null,
  dashboardUrl: string | undefined,
  now: Date,
): NotificationPayload {
  return {
    idempotencyKey: delivery.idempotencyKey,
    event: delivery.event,
    sentAt: now.toISOString(),
    alert: alert && {
      id: alert.alert_id,
      campaignId: alert.campaign_id,
      channel: alert.channel,
      metric: alert.metric,
      ruleId: alert.rule_id,
      ruleName: alert.rule_name,
      severity: alert.severity,
      status: alert.status,
      currentValue: alert.current_value,
      baselineValue: alert.baseline_value,
      change: alert.baseline_value === 0 ? null : (alert.current_value - alert.baseline_value) / alert.baseline_value,
      message: alert.message,
      windowStart: alert.window_start?.toISOString() ?? null,
      windowEnd: alert.window_end?.toISOString() ?? null,
      triggeredAt: alert.triggered_at.toISOString(),
      resolvedAt: alert.resolved_at?.toISOString() ?? null,
      dashboardUrl: dashboardUrl
        ? new URL(`campaigns/${encodeURIComponent(alert.campaign_id)}`, dashboardUrl.replace(/\/?$/, '/')).toString()
        : null,
    },
  };
}

/** Plain-text body for Slack and email: the summary, then the numbers and the link. */
export function messageText(payload: NotificationPayload): string {
  const alert = payload.alert;
  const lines = [notificationSummary(payload)];
  if (alert) {
    const change = alert.change === null ? 'n/a' : `${(alert.change * 100).toFixed(1)}%`;
    lines.push(
      `Current ${alert.currentValue.toPrecision(4)}, baseline ${alert.baselineValue.toPrecision(4)} (${change})`,
      `Window ${alert.windowStart ?? '?'} – ${alert.windowEnd ?? '?'}; fired ${alert.triggeredAt}` +
        (alert.resolvedAt ? `; resolved ${alert.resolvedAt}` : ''),
    );
    if (alert.dashboardUrl) lines.push(alert.dashboardUrl);
  }
  lines.push(`Idempotency key: ${payload.idempotencyKey}`);
  return lines.join('\n');
}

/** Slack-compatible incoming webhook body: `text` for notifications, `blocks` for the channel. */
export function slackBody(payload: NotificationPayload): { text: string; blocks: unknown[] } {
  const text = messageText(payload);
  return {
    text: notificationSummary(payload),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
  };
}
