import {
  COUNTER_NAMES,
  COUNTERS,
  isCounterName,
  rollupField,
  kpisFromSums,
  snakeCase,
  type CounterName,
  type Kpis,
  type KpiSums,
  type MetricName,
} from '@pmd/domain';
import { ACTIVE_ALERT_STATUSES, listAlerts } from '../services/alerts.ts';
import { breakdownTotals } from '../services/breakdown.ts';
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

/*
 * The original's rows carry a fixed set of metrics in a fixed order (its API is frozen: a metric added to the registry
 * does not appear here). Which metrics is all these lists say; names and values come from the registry: a counter is
 * named by its rollup column, a KPI by its snake_case name, and KPIs are computed from the row's sums by the registry's
 * formulas (`kpisFromSums`), the same rule the rollups store.
 */
const FUNNEL_ROW_METRICS = ['impressions', 'clicks', 'signups', 'activations'] as const satisfies CounterName[];
const HOURLY_ROW_METRICS = [
  'impressions',
  'clicks',
  'signups',
  'activations',
  'clickCost',
  'ctr',
  'clickToSignup',
  'signupToActivation',
  'spend',
] as const satisfies MetricName[];

/** The original's JSON name of a metric: `cost`, `total_cost`, `click_to_signup`, … */
const originalName = (name: MetricName) => (isCounterName(name) ? COUNTERS[name].column : snakeCase(name));

function originalMetrics(kpis: Kpis, names: readonly MetricName[]): Record<string, number | null> {
  return Object.fromEntries(names.map((name) => [originalName(name), kpis[name]]));
}

/** The counters of a rollup row as Prisma reads it (bigint counts, Decimal costs), by their fields. */
function sumsOfRollupRow(row: object): KpiSums {
  const fields = row as Record<string, unknown>;
  return Object.fromEntries(COUNTER_NAMES.map((name) => [name, Number(fields[rollupField(name)])])) as KpiSums;
}

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
      const result = await breakdownTotals(
        app.readPool,
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
          ...originalMetrics(row.totals, FUNNEL_ROW_METRICS),
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
      const rows = await campaignHourlyRows(app.readDb, { campaignId: params.campaign_id!, from });
      return json({
        campaign_id: params.campaign_id,
        hours,
        rows: rows.map((row) => ({
          campaign_id: row.campaignId,
          channel: row.channel,
          hour: row.hour.toISOString(),
          ...originalMetrics(kpisFromSums(sumsOfRollupRow(row)), HOURLY_ROW_METRICS),
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
      const alerts = await listAlerts(
        app.readDb,
        { status: ACTIVE_ALERT_STATUSES },
        { take: clamp(requested, 1, 200) },
      );
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
