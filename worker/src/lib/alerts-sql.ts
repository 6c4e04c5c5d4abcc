import { NOTIFY_CHANNELS, ROLLUP_COLUMNS } from '@pmd/domain';

/**
 * SQL of the anomaly_alerts run. Sums come from campaign_metrics_minute (exact: ingest maintains it in the batch's
 * transaction). Writes are set-based (one statement per kind of change, rows passed as JSON) and race-safe without
 * locks: a new alert is `ON CONFLICT DO NOTHING` against the partial unique index (one unresolved alert per campaign,
 * channel and metric), and updates only touch rows still unresolved. Each state change notifies with its alert id.
 */

/**
 * $1 baseline start, $2 window start (= baseline end), $3 window end (the tick). Every registry counter's column, as
 * `w_<column>` (window) and `b_<column>` (baseline).
 */
export const WINDOW_SUMS_SQL = `
SELECT campaign_id, channel,
  ${ROLLUP_COLUMNS.map((c) => `coalesce(sum(${c}) FILTER (WHERE minute >= $2), 0)::float8 AS w_${c}`).join(',\n  ')},
  ${ROLLUP_COLUMNS.map((c) => `coalesce(sum(${c}) FILTER (WHERE minute < $2), 0)::float8 AS b_${c}`).join(',\n  ')}
FROM campaign_metrics_minute
WHERE minute >= $1 AND minute < $3
GROUP BY campaign_id, channel`;

/** $1 lookback start, $2 the tick: every registry counter per campaign, channel and minute, as `w_<column>`. */
export const MINUTE_SUMS_SQL = `
SELECT campaign_id, channel, minute,
  ${ROLLUP_COLUMNS.map((c) => `sum(${c})::float8 AS w_${c}`).join(',\n  ')}
FROM campaign_metrics_minute
WHERE minute >= $1 AND minute < $2
GROUP BY campaign_id, channel, minute
ORDER BY campaign_id, channel, minute`;

export const OPEN_ALERTS_SQL = `
SELECT alert_id, campaign_id, channel, metric, status FROM alerts WHERE resolved_at IS NULL`;

const notify = (rows: string) =>
  `SELECT pg_notify('${NOTIFY_CHANNELS.alertChanged}', json_build_object('alertId', alert_id, 'status', status)::text)
   FROM ${rows}`;

/**
 * $1 JSON array of {campaign_id, channel, metric, current_value, baseline_value, threshold_value, message,
 * window_start}; $2 tick (= window end), $3 baseline start. The worst value starts as the current one.
 */
export const FIRE_ALERTS_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS a(campaign_id text, channel text, metric text,
    current_value float8, baseline_value float8, threshold_value float8, message text, window_start timestamptz)
),
fired AS (
  INSERT INTO alerts (triggered_at, campaign_id, channel, metric, current_value, baseline_value, threshold_value,
    worst_value, message, status, updated_at, window_start, window_end, baseline_start)
  SELECT $2, campaign_id, channel, metric, current_value, baseline_value, threshold_value, current_value, message,
    'firing', now(), window_start, $2, $3
  FROM input
  ON CONFLICT (campaign_id, channel, metric) WHERE resolved_at IS NULL DO NOTHING
  RETURNING alert_id, status
)
${notify('fired')}`;

const CHANGES_INPUT = `input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS a(alert_id int, current_value float8, baseline_value float8,
    threshold_value float8, message text, window_start timestamptz, direction text)
)`;

/**
 * The worst value seen while open: the lowest for a drop, the highest for a spike (an alert older than the column
 * starts from its current value). Resolving keeps it: the recovered value is never the worst.
 */
const WORST = `worst_value = CASE WHEN i.direction = 'drop'
    THEN least(coalesce(a.worst_value, a.current_value), i.current_value)
    ELSE greatest(coalesce(a.worst_value, a.current_value), i.current_value) END`;

/**
 * $1 JSON array of {alert_id, current_value, baseline_value, threshold_value, message, window_start, direction}; $2
 * tick (= window end), $3 baseline start: the windows the new values were computed over.
 */
export const RESOLVE_ALERTS_SQL = `
WITH ${CHANGES_INPUT},
resolved AS (
  UPDATE alerts a SET status = 'resolved', resolved_at = $2, current_value = i.current_value,
    baseline_value = i.baseline_value, threshold_value = i.threshold_value, message = i.message, updated_at = now(),
    window_start = i.window_start, window_end = $2, baseline_start = $3, ${WORST}
  FROM input i
  WHERE a.alert_id = i.alert_id AND a.resolved_at IS NULL
  RETURNING a.alert_id, a.status
)
${notify('resolved')}`;

/**
 * Refreshes the values of open alerts whose metric is still off (status unchanged, so no notification); rows whose
 * values are the same are left untouched, windows included: the stored windows then still gave those values.
 * $1 as RESOLVE_ALERTS_SQL; $2 tick, $3 baseline start.
 */
export const REFRESH_ALERTS_SQL = `
WITH ${CHANGES_INPUT}
UPDATE alerts a SET current_value = i.current_value, baseline_value = i.baseline_value,
  threshold_value = i.threshold_value, message = i.message, updated_at = now(),
  window_start = i.window_start, window_end = $2, baseline_start = $3, ${WORST}
FROM input i
WHERE a.alert_id = i.alert_id AND a.resolved_at IS NULL
  AND (a.current_value, a.baseline_value, a.threshold_value, a.message)
    IS DISTINCT FROM (i.current_value, i.baseline_value, i.threshold_value, i.message)`;
