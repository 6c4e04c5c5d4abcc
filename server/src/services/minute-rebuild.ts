import type pg from 'pg';
import {
  minuteSumsSql,
  NOTIFY_CHANNELS,
  NOTIFY_MAX_CAMPAIGNS,
  ROLLUP_COLUMNS,
  type EventsIngestedPayload,
} from '@pmd/domain';

/**
 * Which minute rows to rebuild: `where(alias, ts)` is a condition on a row with campaign_id and channel at time `ts`
 * (a minute row and its minute, a raw event and its time, an imported row and its period start), over `values` ($1…).
 * It must select whole minutes, so the rows deleted are exactly the rows recomputed.
 */
export interface MinuteScope {
  where: (alias: string, ts: string) => string;
  values: unknown[];
}

/**
 * Replaces the minute rollup rows of `scope` with `minuteSumsSql`'s recomputation (raw events and imported spend by
 * the campaigns' current spend source), marks every hour that held an old or a new row dirty so the worker recomputes
 * metrics_hourly and metrics_daily, and notifies live views as ingest does. Runs inside the caller's transaction, after
 * it locked the campaigns' catalog rows: minute rows are locked second and in key order, as ingest locks them, so the
 * two never deadlock.
 */
export async function rebuildMinutes(client: pg.ClientBase, scope: MinuteScope): Promise<void> {
  const columns = ROLLUP_COLUMNS.join(', ');
  const old = await client.query<{ campaign_ids: string[] | null; min_minute: Date | null; max_minute: Date | null }>(
    `WITH locked AS (
       SELECT campaign_id, channel, minute FROM campaign_metrics_minute m
       WHERE ${scope.where('m', 'm.minute')}
       ORDER BY campaign_id, channel, minute
       FOR UPDATE
     ),
     gone AS (
       DELETE FROM campaign_metrics_minute m USING locked l
       WHERE m.campaign_id = l.campaign_id AND m.channel = l.channel AND m.minute = l.minute
       RETURNING m.campaign_id, m.channel, m.minute
     ),
     -- A data-modifying CTE runs whether or not it is read.
     dirty AS (
       INSERT INTO rollup_dirty_hours (campaign_id, channel, hour)
       SELECT DISTINCT campaign_id, channel, date_trunc('hour', minute, 'UTC') FROM gone
     )
     SELECT array_agg(DISTINCT campaign_id) AS campaign_ids, min(minute) AS min_minute, max(minute) AS max_minute
     FROM gone`,
    scope.values,
  );
  const fresh = await client.query<{
    campaign_ids: string[] | null;
    min_minute: Date | null;
    max_minute: Date | null;
  }>(
    `WITH fresh AS (
       INSERT INTO campaign_metrics_minute (campaign_id, channel, minute, ${columns})
       SELECT campaign_id, channel, minute, ${columns}
       FROM (${minuteSumsSql(scope.where)}) sums
       ORDER BY campaign_id, channel, minute
       RETURNING campaign_id, channel, minute
     ),
     dirty AS (
       INSERT INTO rollup_dirty_hours (campaign_id, channel, hour)
       SELECT DISTINCT campaign_id, channel, date_trunc('hour', minute, 'UTC') FROM fresh
     )
     SELECT array_agg(DISTINCT campaign_id) AS campaign_ids, min(minute) AS min_minute,
            max(minute) AS max_minute
     FROM fresh`,
    scope.values,
  );
  const before = old.rows[0]!;
  const after = fresh.rows[0]!;
  const campaignIds = [...new Set([...(before.campaign_ids ?? []), ...(after.campaign_ids ?? [])])].sort();
  const instants = [before.min_minute, before.max_minute, after.min_minute, after.max_minute].filter(
    (instant): instant is Date => instant !== null,
  );
  if (instants.length) {
    const times = instants.map((instant) => instant.getTime());
    const payload: EventsIngestedPayload = {
      // No event was stored: the rows changed under live views all the same, so they re-read.
      stored: 0,
      campaignIds: campaignIds.slice(0, NOTIFY_MAX_CAMPAIGNS),
      truncated: campaignIds.length > NOTIFY_MAX_CAMPAIGNS,
      minTs: new Date(Math.min(...times)).toISOString(),
      // The end of the newest minute: its events may lie anywhere in it.
      maxTs: new Date(Math.max(...times) + 59_999).toISOString(),
    };
    await client.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNELS.eventsIngested, JSON.stringify(payload)]);
  }
}
