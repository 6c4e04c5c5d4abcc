import { COUNTERS, NOTIFY_CHANNELS, ROLLUP_COLUMNS } from '@pmd/domain';

/**
 * SQL of the anomaly_alerts run. Sums come from campaign_metrics_minute (exact: ingest maintains it in the batch's
 * transaction). Writes are set-based (one statement per kind of change, rows passed as JSON) and race-safe without
 * locks: a new alert is `ON CONFLICT DO NOTHING` against the partial unique index (one unresolved alert per rule,
 * campaign and channel), and each update only touches rows still in the status it changes from, so of two runs
 * deciding the same change only one makes it. Each state change notifies with its alert id and new status.
 */

/**
 * The settings of every enabled rule, as the worker judges them, held FOR SHARE until the run commits: a rule being
 * disabled, changed or deleted waits for the run, then closes the alerts the run wrote (server services/alert-rules).
 */
export const ENABLED_RULES_SQL = `
SELECT id, name, metric, scope, scope_value, method, window_minutes, baseline, baseline_hours, min_relative_change,
  recovery_change, significance, recovery_significance, min_volume, min_baseline_volume, expected_value,
  pending_minutes, severity
FROM alert_rules WHERE enabled ORDER BY id
FOR SHARE`;

const SUMS = ROLLUP_COLUMNS.map((c) => `sum(${c})::float8 AS ${c}`).join(', ');
// $5: null for every campaign; else the campaigns ($5) and channels ($6) the rules of the group are scoped to.
const SCOPE = `($5::text[] IS NULL OR campaign_id = ANY($5::text[]) OR channel = ANY($6::text[]))`;

/**
 * The history rules with the same ranges judge: one row of baseline sums per campaign+channel over [$1, $2)
 * (`minute` null), then its per-minute sums over the window [$3, $4), every registry counter under its column name.
 * The two ranges are apart for a baseline a week back, adjacent for a trailing one.
 */
export const RULE_HISTORY_SQL = `
SELECT campaign_id, channel, NULL::timestamptz AS minute, ${SUMS}
FROM campaign_metrics_minute
WHERE minute >= $1 AND minute < $2 AND ${SCOPE}
GROUP BY campaign_id, channel
UNION ALL
SELECT campaign_id, channel, minute, ${SUMS}
FROM campaign_metrics_minute
WHERE minute >= $3 AND minute < $4 AND ${SCOPE}
GROUP BY campaign_id, channel, minute
ORDER BY campaign_id, channel, minute NULLS FIRST`;

/**
 * The catalog rows target rules judge: active campaigns that set any target, and ($1) the campaigns of unresolved
 * target alerts, whatever their row says now (a paused campaign's open alert must still be closed).
 */
export const TARGET_CAMPAIGNS_SQL = `
SELECT campaign_id, status, daily_budget::float8 AS daily_budget, target_cpa::float8 AS target_cpa, target_roas
FROM campaigns
WHERE (status = 'active' AND (daily_budget IS NOT NULL OR target_cpa IS NOT NULL OR target_roas IS NOT NULL))
  OR campaign_id = ANY($1::text[])
ORDER BY campaign_id`;

/** Sums of every registry counter per campaign, all channels, over [$1, $2), of the campaigns $3. */
export const CAMPAIGN_SUMS_SQL = `
SELECT campaign_id, ${SUMS}
FROM campaign_metrics_minute
WHERE minute >= $1 AND minute < $2 AND campaign_id = ANY($3::text[])
GROUP BY campaign_id`;

/**
 * Spend per campaign (all channels) of the campaigns $3 over each range [$1[i], $2[i]) (range i, 1-based): the pacing
 * windows of today and of the same weekday of past weeks, in one read.
 */
export const CAMPAIGN_SPEND_IN_RANGES_SQL = `
SELECT m.campaign_id, r.i::int AS range, sum(m.${COUNTERS.spend.column})::float8 AS spend
FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS r(start, stop, i)
JOIN campaign_metrics_minute m ON m.minute >= r.start AND m.minute < r.stop
WHERE m.campaign_id = ANY($3::text[])
GROUP BY m.campaign_id, r.i`;

/** $1 rule ids: their unresolved (pending, firing, acknowledged) alerts. */
export const UNRESOLVED_ALERTS_SQL = `
SELECT alert_id, rule_id, campaign_id, channel, status, pending_since
FROM alerts WHERE resolved_at IS NULL AND rule_id = ANY($1::int[])`;

/**
 * $1 rule ids, $2 the earliest instant any of their windows starts: when each rule's alert for a campaign+channel last
 * resolved, where that is recent enough to matter (cusum evidence starts afresh there: evaluate.ts evidenceFrom).
 */
export const RECENTLY_RESOLVED_SQL = `
SELECT rule_id, campaign_id, channel, max(resolved_at) AS resolved_at
FROM alerts WHERE status = 'resolved' AND rule_id = ANY($1::int[]) AND resolved_at > $2
GROUP BY rule_id, campaign_id, channel`;

const notify = (rows: string) =>
  `SELECT pg_notify('${NOTIFY_CHANNELS.alertChanged}', json_build_object('alertId', alert_id, 'status', status)::text)
   FROM ${rows}`;

/** The values an evaluation gives an alert (the windows they were computed over included). */
const VALUE_COLUMNS = `current_value float8, baseline_value float8, threshold_value float8, message text,
    window_start timestamptz, baseline_start timestamptz, baseline_end timestamptz`;

/**
 * $1 JSON array of {rule_id, campaign_id, channel, metric, severity, …VALUE_COLUMNS}; $2 the tick (= window end);
 * $3 'firing' or 'pending' (then pending since the tick: the trigger notifies receivers only of firing). The worst
 * value starts as the current one.
 */
export const INSERT_ALERTS_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS a(rule_id int, campaign_id text, channel text, metric text,
    severity text, ${VALUE_COLUMNS})
),
inserted AS (
  INSERT INTO alerts (triggered_at, rule_id, campaign_id, channel, metric, severity, status, pending_since,
    current_value, baseline_value, threshold_value, worst_value, message, updated_at, window_start, window_end,
    baseline_start, baseline_end)
  SELECT $2, rule_id, campaign_id, channel, metric, severity, $3, CASE WHEN $3 = 'pending' THEN $2::timestamptz END,
    current_value, baseline_value, threshold_value, current_value, message, now(), window_start, $2,
    baseline_start, baseline_end
  FROM input
  ON CONFLICT (rule_id, campaign_id, channel) WHERE resolved_at IS NULL DO NOTHING
  RETURNING alert_id, status
)
${notify('inserted')}`;

const CHANGES_INPUT = `input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS a(alert_id int, worse_is_lower boolean, ${VALUE_COLUMNS})
)`;

const SET_VALUES = `current_value = i.current_value, baseline_value = i.baseline_value,
    threshold_value = i.threshold_value, message = i.message, updated_at = now(), window_start = i.window_start,
    window_end = $2, baseline_start = i.baseline_start, baseline_end = i.baseline_end`;

/**
 * The worst value seen while open: the lowest for a drop or a number below its target, the highest otherwise (an alert older than the column
 * starts from its current value). Resolving keeps it: the recovered value is never the worst.
 */
const WORST = `worst_value = CASE WHEN i.worse_is_lower
    THEN least(coalesce(a.worst_value, a.current_value), i.current_value)
    ELSE greatest(coalesce(a.worst_value, a.current_value), i.current_value) END`;

/** An UPDATE of the alerts in `input` still in one of `from`, notifying each change. $1 as CHANGES_INPUT, $2 tick. */
function transition(from: readonly string[], set: string) {
  return `
WITH ${CHANGES_INPUT},
changed AS (
  UPDATE alerts a SET ${set}, ${SET_VALUES}
  FROM input i
  WHERE a.alert_id = i.alert_id AND a.resolved_at IS NULL AND a.status IN (${from.map((s) => `'${s}'`).join(', ')})
  RETURNING a.alert_id, a.status
)
${notify('changed')}`;
}

/** A pending alert held for its period: it fires now (the trigger notifies receivers); the peak starts here. */
export const PROMOTE_ALERTS_SQL = transition(
  ['pending'],
  `status = 'firing', triggered_at = $2, worst_value = i.current_value`,
);

/** A pending alert whose condition cleared first: closed, never fired, nobody told. */
export const CANCEL_ALERTS_SQL = transition(['pending'], `status = 'cancelled', resolved_at = $2, ${WORST}`);

/** An open alert recovered. */
export const RESOLVE_ALERTS_SQL = transition(
  ['firing', 'acknowledged'],
  `status = 'resolved', resolved_at = $2, ${WORST}`,
);

/**
 * Refreshes the values of unresolved alerts whose condition still holds (status unchanged, so no notification);
 * rows whose values are the same are left untouched, windows included: the stored windows then still gave those
 * values. $1 as CHANGES_INPUT, $2 tick.
 */
export const REFRESH_ALERTS_SQL = `
WITH ${CHANGES_INPUT}
UPDATE alerts a SET ${SET_VALUES}, ${WORST}
FROM input i
WHERE a.alert_id = i.alert_id AND a.resolved_at IS NULL
  AND (a.current_value, a.baseline_value, a.threshold_value, a.message)
    IS DISTINCT FROM (i.current_value, i.baseline_value, i.threshold_value, i.message)`;
