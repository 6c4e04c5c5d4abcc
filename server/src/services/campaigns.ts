import type pg from 'pg';

export interface CampaignSummary {
  campaignId: string;
  channels: string[];
  firstEventAt: Date | null;
  lastEventAt: Date | null;
}

/**
 * Campaigns seen in the data. Keys come from a skip scan of the minute rollup's primary key (one index probe per
 * campaign and channel, not a scan of millions of rows); first and last event times from raw_events' (campaign_id,
 * ts) index.
 */
export async function listCampaigns(pool: pg.Pool, campaignId?: string): Promise<CampaignSummary[]> {
  const { rows } = await pool.query(
    `WITH RECURSIVE campaign_keys AS (
       (SELECT campaign_id, channel FROM campaign_metrics_minute
        WHERE $1::text IS NULL OR campaign_id = $1 ORDER BY campaign_id, channel LIMIT 1)
       UNION ALL
       SELECT next.campaign_id, next.channel
       FROM campaign_keys k
       CROSS JOIN LATERAL (
         SELECT m.campaign_id, m.channel FROM campaign_metrics_minute m
         WHERE (m.campaign_id, m.channel) > (k.campaign_id, k.channel) AND ($1::text IS NULL OR m.campaign_id = $1)
         ORDER BY m.campaign_id, m.channel LIMIT 1
       ) next
     )
     SELECT k.campaign_id, array_agg(k.channel ORDER BY k.channel) AS channels,
            (SELECT min(ts) FROM raw_events e WHERE e.campaign_id = k.campaign_id) AS first_event_at,
            (SELECT max(ts) FROM raw_events e WHERE e.campaign_id = k.campaign_id) AS last_event_at
     FROM campaign_keys k GROUP BY k.campaign_id ORDER BY k.campaign_id`,
    [campaignId ?? null],
  );
  return rows.map((row) => ({
    campaignId: row.campaign_id,
    channels: row.channels,
    firstEventAt: row.first_event_at,
    lastEventAt: row.last_event_at,
  }));
}

export async function findCampaign(pool: pg.Pool, campaignId: string): Promise<CampaignSummary | null> {
  const [campaign] = await listCampaigns(pool, campaignId);
  return campaign ?? null;
}

/** Hourly rollup rows of one campaign since now − hours, oldest first (the original's /campaigns/{id}/kpis). */
export async function campaignHourlyRows(pool: pg.Pool, campaignId: string, hours: number) {
  const { rows } = await pool.query(
    `SELECT campaign_id, channel, hour, impressions, clicks, signups, activations, cost::float8 AS cost,
            ctr, click_to_signup, signup_to_activation, total_cost::float8 AS total_cost
     FROM campaign_metrics_hourly
     WHERE campaign_id = $1 AND hour >= now() - make_interval(hours => $2)
     ORDER BY hour, channel`,
    [campaignId, hours],
  );
  return rows as {
    campaign_id: string;
    channel: string;
    hour: Date;
    impressions: number;
    clicks: number;
    signups: number;
    activations: number;
    cost: number;
    ctr: number;
    click_to_signup: number;
    signup_to_activation: number;
    total_cost: number;
  }[];
}
