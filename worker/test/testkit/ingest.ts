import type pg from 'pg';

export type EventType = 'ad_impression' | 'ad_click' | 'signup' | 'activation';

export interface TestEvent {
  event_id: string;
  ts: string;
  user_id: string;
  campaign_id: string;
  channel: string;
  event_type: EventType;
  cost: number;
}

/**
 * What the ingest service writes for a batch, in ONE statement (one transaction): the raw events (duplicates ignored),
 * the minute rows of the events actually inserted, and one rollup_dirty_hours row per distinct (campaign, channel,
 * hour) of those events. Returns the number of events stored.
 */
export const INGEST_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb)
    AS e(event_id text, ts timestamptz, user_id text, campaign_id text, channel text, event_type text, cost numeric)
),
inserted AS (
  INSERT INTO raw_events (event_id, ts, user_id, campaign_id, channel, event_type, cost)
  SELECT event_id, ts, user_id, campaign_id, channel, event_type, cost FROM input
  ON CONFLICT (event_id) DO NOTHING
  RETURNING campaign_id, channel, ts, event_type, cost
),
minutes AS (
  INSERT INTO campaign_metrics_minute AS m
    (campaign_id, channel, minute, impressions, clicks, signups, activations, cost, total_cost)
  SELECT campaign_id, channel, date_trunc('minute', ts, 'UTC'),
    count(*) FILTER (WHERE event_type = 'ad_impression'),
    count(*) FILTER (WHERE event_type = 'ad_click'),
    count(*) FILTER (WHERE event_type = 'signup'),
    count(*) FILTER (WHERE event_type = 'activation'),
    coalesce(sum(cost) FILTER (WHERE event_type = 'ad_click'), 0),
    sum(cost)
  FROM inserted GROUP BY 1, 2, 3
  ON CONFLICT (campaign_id, channel, minute) DO UPDATE SET
    impressions = m.impressions + EXCLUDED.impressions,
    clicks = m.clicks + EXCLUDED.clicks,
    signups = m.signups + EXCLUDED.signups,
    activations = m.activations + EXCLUDED.activations,
    cost = m.cost + EXCLUDED.cost,
    total_cost = m.total_cost + EXCLUDED.total_cost
),
dirty AS (
  INSERT INTO rollup_dirty_hours (campaign_id, channel, hour)
  SELECT DISTINCT campaign_id, channel, date_trunc('hour', ts, 'UTC') FROM inserted
)
SELECT count(*)::int AS stored FROM inserted`;

/** Ingests a batch the way the ingest service does; returns how many events were new. */
export async function ingest(client: pg.Pool | pg.ClientBase, events: readonly TestEvent[]): Promise<number> {
  const { rows } = await client.query<{ stored: number }>(INGEST_SQL, [JSON.stringify(events)]);
  return rows[0]?.stored ?? 0;
}
