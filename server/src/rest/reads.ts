import { ACTIVE_ALERT_STATUSES, listAlerts } from '../services/alerts.ts';
import { breakdown } from '../services/breakdown.ts';
import { campaignHourlyRows } from '../services/campaigns.ts';
import { resolveWindow } from '../services/windows.ts';
import { json, type RestRoute } from './router.ts';

/** An integer query parameter, its default when absent, or null when it is not an integer (FastAPI answers 422). */
function intParam(url: URL, name: string, fallback: number): number | null {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  return /^-?\d+$/.test(raw.trim()) ? Number(raw) : null;
}

const notAnInteger = (name: string) =>
  json({ detail: [{ loc: ['query', name], msg: 'Input should be a valid integer', type: 'int_parsing' }] }, 422);

const clamp = (value: number, min: number, max: number) => Math.min(Math.max(value, min), max);

/** The original's read endpoints, same paths, clamps and JSON field names. */
export const readRoutes: RestRoute[] = [
  {
    method: 'GET',
    path: '/funnels/realtime',
    scope: 'reader',
    handler: async ({ url, app }) => {
      const requested = intParam(url, 'minutes', 60);
      if (requested === null) return notAnInteger('minutes');
      const minutes = clamp(requested, 5, 360);
      const result = await breakdown(
        app.pool,
        resolveWindow({ lastMinutes: minutes }),
        {},
        {
          by: 'CAMPAIGN_CHANNEL',
          sortBy: 'CLICKS',
        },
      );
      return json({
        window_minutes: minutes,
        rows: result.rows.map((row) => ({
          campaign_id: row.campaignId,
          channel: row.channel,
          impressions: row.totals.impressions,
          clicks: row.totals.clicks,
          signups: row.totals.signups,
          activations: row.totals.activations,
        })),
      });
    },
  },
  {
    method: 'GET',
    path: '/campaigns/:campaign_id/kpis',
    scope: 'reader',
    handler: async ({ url, params, app }) => {
      const hours = intParam(url, 'hours', 24);
      if (hours === null) return notAnInteger('hours');
      if (hours < 1 || hours > 168) return json({ detail: 'hours must be between 1 and 168' }, 400);
      const from = new Date(Date.now() - hours * 3_600_000);
      const rows = await campaignHourlyRows(app.db, { campaignId: params.campaign_id!, from });
      return json({
        campaign_id: params.campaign_id,
        hours,
        rows: rows.map((row) => ({
          campaign_id: row.campaignId,
          channel: row.channel,
          hour: row.hour.toISOString(),
          impressions: Number(row.impressions),
          clicks: Number(row.clicks),
          signups: Number(row.signups),
          activations: Number(row.activations),
          cost: row.cost.toNumber(),
          ctr: row.ctr,
          click_to_signup: row.clickToSignup,
          signup_to_activation: row.signupToActivation,
          total_cost: row.totalCost.toNumber(),
        })),
      });
    },
  },
  {
    method: 'GET',
    path: '/alerts/active',
    scope: 'reader',
    handler: async ({ url, app }) => {
      const requested = intParam(url, 'limit', 50);
      if (requested === null) return notAnInteger('limit');
      const alerts = await listAlerts(app.db, { status: ACTIVE_ALERT_STATUSES }, { take: clamp(requested, 1, 200) });
      return json({
        alerts: alerts.map((alert) => ({
          alert_id: alert.alertId,
          triggered_at: alert.triggeredAt.toISOString(),
          campaign_id: alert.campaignId,
          channel: alert.channel,
          metric: alert.metric,
          current_value: alert.currentValue,
          baseline_value: alert.baselineValue,
          threshold_value: alert.thresholdValue,
          message: alert.message,
          resolved_at: alert.resolvedAt?.toISOString() ?? null,
          status: alert.status,
          acknowledged_at: alert.acknowledgedAt?.toISOString() ?? null,
        })),
      });
    },
  },
];
