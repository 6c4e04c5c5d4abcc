import { ALERT_METRIC_BY_NAME, COUNTER_NAMES, COUNTERS, type KpiSums } from '@pmd/domain';
import type pg from 'pg';
import {
  type AlertAction,
  type AlertMetric,
  type AnomalyConfig,
  alertMessage,
  decideAlertAction,
  evaluateMetrics,
  evaluateSequential,
  type KeyHistory,
  type WindowedEvaluation,
} from './anomaly.ts';
import {
  FIRE_ALERTS_SQL,
  MINUTE_SUMS_SQL,
  OPEN_ALERTS_SQL,
  REFRESH_ALERTS_SQL,
  RESOLVE_ALERTS_SQL,
  WINDOW_SUMS_SQL,
} from './alerts-sql.ts';
import { inTransaction } from './transaction.ts';

export interface SumsRow {
  campaign_id: string;
  channel: string;
  [column: string]: string | number;
}

/** Every registry counter of a WINDOW_SUMS_SQL row: `w_<column>` (window) or `b_<column>` (baseline). */
export function sumsOfRow(row: SumsRow, prefix: 'w' | 'b'): KpiSums {
  return Object.fromEntries(
    COUNTER_NAMES.map((name) => [name, Number(row[`${prefix}_${COUNTERS[name].column}`])]),
  ) as KpiSums;
}

export interface AlertWindows {
  baselineStart: Date;
  windowStart: Date;
  windowEnd: Date;
}

/**
 * The window ends at the tick; the baseline is the `baselineHours` right before the window. Under the cusum method the
 * "window" is the lookback the statistics run over; each alert then stores the part of it its evidence covers.
 */
export function alertWindows(tick: Date, config: AnomalyConfig): AlertWindows {
  const minutes = config.method === 'cusum' ? config.lookbackMinutes : config.windowMinutes;
  const windowStart = new Date(tick.getTime() - minutes * 60_000);
  return {
    baselineStart: new Date(windowStart.getTime() - config.baselineHours * 3_600_000),
    windowStart,
    windowEnd: tick,
  };
}

export interface PlannedChange {
  action: Exclude<AlertAction, 'none'>;
  alertId: number | null;
  campaign_id: string;
  channel: string;
  metric: AlertMetric;
  current_value: number;
  baseline_value: number;
  threshold_value: number;
  message: string;
  /** Where the window the values rest on starts; the direction tells which way the worst value goes. */
  window_start: string;
  direction: 'drop' | 'spike';
}

export interface EvaluationResult {
  /** Campaign+channel keys with traffic in the baseline or window. */
  keys: number;
  fired: number;
  resolved: number;
  refreshed: number;
}

/**
 * One anomaly_alerts run for the instant `tick`: read the window (per minute for cusum) and baseline sums of every
 * campaign+channel, decide each metric's change (pure, anomaly.ts), then write fires, resolutions and refreshes
 * set-based.
 */
export function evaluateAlerts(client: pg.ClientBase, tick: Date, config: AnomalyConfig): Promise<EvaluationResult> {
  return inTransaction(client, async () => {
    const windows = alertWindows(tick, config);
    const { rows } = await client.query<SumsRow>(WINDOW_SUMS_SQL, [
      windows.baselineStart,
      windows.windowStart,
      windows.windowEnd,
    ]);
    const open = await client.query<{ alert_id: number; campaign_id: string; channel: string; metric: string }>(
      OPEN_ALERTS_SQL,
    );
    const openIds = new Map(open.rows.map((a) => [`${a.campaign_id}\u0000${a.channel}\u0000${a.metric}`, a.alert_id]));

    const minutesByKey = new Map<string, KeyHistory['minutes'][number][]>();
    if (config.method === 'cusum') {
      const minuteRows = await client.query<SumsRow & { minute: Date }>(MINUTE_SUMS_SQL, [
        windows.windowStart,
        windows.windowEnd,
      ]);
      for (const row of minuteRows.rows) {
        const key = `${row.campaign_id}\u0000${row.channel}`;
        const list = minutesByKey.get(key) ?? [];
        list.push({ minute: row.minute.getTime(), sums: sumsOfRow(row, 'w') });
        minutesByKey.set(key, list);
      }
    }

    const changes: PlannedChange[] = [];
    for (const row of rows) {
      const openId = (metric: string) => openIds.get(`${row.campaign_id}\u0000${row.channel}\u0000${metric}`) ?? null;
      const evaluations: WindowedEvaluation[] =
        config.method === 'cusum'
          ? evaluateSequential(
              {
                baseline: sumsOfRow(row, 'b'),
                minutes: minutesByKey.get(`${row.campaign_id}\u0000${row.channel}`) ?? [],
              },
              tick.getTime(),
              config,
              (metric) => openId(metric) !== null,
            )
          : evaluateMetrics(sumsOfRow(row, 'w'), sumsOfRow(row, 'b'), config).map((evaluation) => ({
              evaluation,
              windowStart: windows.windowStart.getTime(),
            }));
      for (const { evaluation, windowStart } of evaluations) {
        const alertId = openId(evaluation.metric);
        const action = decideAlertAction(alertId !== null, evaluation);
        if (action === 'none') continue;
        changes.push({
          action,
          alertId,
          campaign_id: row.campaign_id,
          channel: row.channel,
          metric: evaluation.metric,
          current_value: evaluation.current,
          baseline_value: evaluation.baseline,
          threshold_value: evaluation.threshold,
          message: alertMessage(row.campaign_id, row.channel, evaluation, action),
          window_start: new Date(windowStart).toISOString(),
          direction: ALERT_METRIC_BY_NAME[evaluation.metric].direction,
        });
      }
    }

    const write = async (action: PlannedChange['action'], sql: string) => {
      const input = changes
        .filter((c) => c.action === action)
        .map(({ action: _, alertId, ...rest }) => ({ alert_id: alertId, ...rest }));
      if (input.length === 0) return 0;
      const result = await client.query(sql, [JSON.stringify(input), windows.windowEnd, windows.baselineStart]);
      return result.rowCount ?? 0;
    };
    return {
      keys: rows.length,
      fired: await write('fire', FIRE_ALERTS_SQL),
      resolved: await write('resolve', RESOLVE_ALERTS_SQL),
      refreshed: await write('update', REFRESH_ALERTS_SQL),
    };
  });
}
