import type { CampaignMetricsHourlyModel as CampaignMetricsHourly, Prisma, PrismaClient } from '@pmd/db';
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

export interface CampaignRowsFilter {
  campaignId: string;
  /** Earliest bucket (inclusive). */
  from: Date;
  /** Exclusive end; none = up to the newest row. */
  to?: Date | null;
  /** Only this channel. */
  channel?: string | null;
}

/** What a GraphQL resolver narrows the read to (Pothos' `query`); REST reads every column. */
export interface RowSelection<Select> {
  select?: Select;
}

/**
 * Hourly rollup rows of one campaign with hour in [from, to), oldest first, channels in order within an hour, as the
 * worker stored them. The one read behind GraphQL `Campaign.hourlyMetrics` and REST `GET /campaigns/{id}/kpis`
 * (from = now − hours, no end).
 */
export function campaignHourlyRows(
  db: PrismaClient,
  filter: CampaignRowsFilter,
  selection: RowSelection<Prisma.CampaignMetricsHourlySelect> = {},
): Promise<CampaignMetricsHourly[]> {
  return db.campaignMetricsHourly.findMany({
    ...selection,
    where: {
      campaignId: filter.campaignId,
      hour: { gte: filter.from, ...(filter.to ? { lt: filter.to } : {}) },
      ...(filter.channel ? { channel: filter.channel } : {}),
    },
    orderBy: [{ hour: 'asc' }, { channel: 'asc' }],
  }) as Promise<CampaignMetricsHourly[]>;
}
