import type { CampaignMetricsHourlyModel as CampaignMetricsHourly, Prisma, PrismaClient } from '@pmd/db';
import type pg from 'pg';
import {
  defaultCampaignSettings,
  MAX_ID_LENGTH,
  oldestRewritableInstant,
  rollupRowHoldsEventsSql,
  validateCampaignSettings,
  type CampaignObjective,
  type CampaignSettings,
  type CampaignStatus,
  type RetentionSettings,
  type SpendSource,
} from '@pmd/domain';
import { CampaignValidationError, type CampaignIssue } from './errors.ts';
import { rebuildMinutes } from './minute-rebuild.ts';
import { inTransaction } from './transaction.ts';

/** A campaign of the catalog with what the data holds of it (no channels or events yet for a campaign set up early). */
export interface CampaignSummary extends CampaignSettings {
  campaignId: string;
  channels: string[];
  firstEventAt: Date | null;
  lastEventAt: Date | null;
  updatedAt: Date | null;
}

/** The catalog columns as CampaignSettings reads them (money as numbers, dates as YYYY-MM-DD). */
const SETTINGS_COLUMNS = `c.name, c.objective, c.status, c.currency, c.daily_budget::float8 AS daily_budget,
  c.target_cpa::float8 AS target_cpa, c.target_roas, to_char(c.starts_on, 'YYYY-MM-DD') AS starts_on,
  to_char(c.ends_on, 'YYYY-MM-DD') AS ends_on, c.tags, c.spend_source, c.updated_at`;

interface SettingsRow {
  name: string;
  objective: CampaignObjective | null;
  status: CampaignStatus;
  currency: string;
  daily_budget: number | null;
  target_cpa: number | null;
  target_roas: number | null;
  starts_on: string | null;
  ends_on: string | null;
  tags: string[];
  spend_source: SpendSource;
  updated_at: Date;
}

function settingsOf(row: SettingsRow): CampaignSettings & { updatedAt: Date } {
  return {
    name: row.name,
    objective: row.objective,
    status: row.status,
    currency: row.currency,
    dailyBudget: row.daily_budget,
    targetCpa: row.target_cpa,
    targetRoas: row.target_roas,
    startsOn: row.starts_on,
    endsOn: row.ends_on,
    tags: row.tags,
    spendSource: row.spend_source,
    updatedAt: row.updated_at,
  };
}

/**
 * listCampaigns' lateral probe of the minute rollup's key: the first (ASC) or last (DESC) minute from $2 on in which
 * campaign and channel `k` has events.
 */
const minuteWithEventsSql = (order: 'ASC' | 'DESC') => `(
  SELECT m.minute FROM campaign_metrics_minute m
  WHERE m.campaign_id = k.campaign_id AND m.channel = k.channel
    AND ($2::timestamptz IS NULL OR m.minute >= $2) AND ${rollupRowHoldsEventsSql('m')}
  ORDER BY m.minute ${order} LIMIT 1)`;

/** The earliest or latest time of campaign `ids.campaign_id`'s raw events (alias e) under `condition`. */
const eventTimeSql = (aggregate: 'min' | 'max', condition: string) =>
  `(SELECT ${aggregate}(e.ts) FROM raw_events e WHERE e.campaign_id = ids.campaign_id AND ${condition})`;

/** Raw events (alias e) within the minute starting at `minute`. */
const withinMinuteSql = (minute: string) => `e.ts >= ${minute} AND e.ts < ${minute} + interval '1 minute'`;

/**
 * The catalog's campaigns (ingest adds a row on a campaign's first event, a spend import on its first row, an admin
 * before either) and any campaign the minute rollup holds without one, with their channels and first and last event.
 * Channels come from a skip scan of the minute rollup's primary key (one index probe per campaign and channel, not a
 * scan of millions of rows).
 *
 * First and last events: raw_events' (campaign_id, ts) index is only on closed days' partitions (migration
 * 20261204120000), so on the days still being written a campaign's events are found by time. Its minute rows say
 * which minutes hold its events from `oldestRewritableInstant` on (before it raw events are dropped or minute rows
 * trimmed): the first and last such minute, found per channel through the rollup's key, bound the search to one
 * minute each. Before that instant the index answers, as the days there are closed (unless retention keeps less than
 * two days).
 */
export async function listCampaigns(
  pool: pg.Pool | pg.ClientBase,
  retention: RetentionSettings,
  campaignId?: string,
): Promise<CampaignSummary[]> {
  const exactMinutesFrom = oldestRewritableInstant(new Date(), retention);
  const { rows } = await pool.query<
    SettingsRow & {
      campaign_id: string;
      cataloged: boolean;
      channels: string[];
      first_event_at: Date | null;
      last_event_at: Date | null;
    }
  >(
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
     ),
     campaign_channels AS (
       SELECT k.campaign_id, array_agg(k.channel ORDER BY k.channel) AS channels,
              min(first_minute.minute) AS first_minute, max(last_minute.minute) AS last_minute
       FROM campaign_keys k
       LEFT JOIN LATERAL ${minuteWithEventsSql('ASC')} first_minute ON true
       LEFT JOIN LATERAL ${minuteWithEventsSql('DESC')} last_minute ON true
       GROUP BY k.campaign_id
     )
     SELECT ids.campaign_id, coalesce(k.channels, '{}') AS channels, c.campaign_id IS NOT NULL AS cataloged,
            ${SETTINGS_COLUMNS},
            coalesce(${eventTimeSql('min', 'e.ts < $2')}, ${eventTimeSql('min', withinMinuteSql('k.first_minute'))})
              AS first_event_at,
            coalesce(${eventTimeSql('max', withinMinuteSql('k.last_minute'))}, ${eventTimeSql('max', 'e.ts < $2')})
              AS last_event_at
     FROM (SELECT campaign_id FROM campaigns WHERE $1::text IS NULL OR campaign_id = $1
           UNION SELECT campaign_id FROM campaign_channels) ids
     LEFT JOIN campaigns c ON c.campaign_id = ids.campaign_id
     LEFT JOIN campaign_channels k ON k.campaign_id = ids.campaign_id
     ORDER BY ids.campaign_id`,
    [campaignId ?? null, exactMinutesFrom],
  );
  return rows.map((row) => ({
    campaignId: row.campaign_id,
    channels: row.channels,
    firstEventAt: row.first_event_at,
    lastEventAt: row.last_event_at,
    // Minute rows written around ingest (restores, hand-made fixtures) may lack a catalog row: the defaults apply.
    ...(row.cataloged ? settingsOf(row) : { ...defaultCampaignSettings(row.campaign_id), updatedAt: null }),
  }));
}

export async function findCampaign(
  pool: pg.Pool | pg.ClientBase,
  retention: RetentionSettings,
  campaignId: string,
): Promise<CampaignSummary | null> {
  const [campaign] = await listCampaigns(pool, retention, campaignId);
  return campaign ?? null;
}

/**
 * Sets every setting of a campaign (an admin's edit), creating its catalog row when it has none yet (a campaign set
 * up before its first event). Refused settings throw CampaignValidationError and change nothing. A change of the spend
 * source rewrites the campaign's spend in the minute rollup in the same transaction (`rebuildMinutes` over all its
 * minutes that `retention` still lets be recomputed), so no reader ever sees a mix of the two sources; the worker then recomputes the hours marked dirty.
 */
export async function updateCampaign(
  pool: pg.Pool,
  campaignId: string,
  settings: CampaignSettings,
  retention: RetentionSettings,
): Promise<CampaignSummary> {
  const issues: CampaignIssue[] = validateCampaignSettings(settings);
  if (campaignId.length === 0 || campaignId.length > MAX_ID_LENGTH) {
    issues.unshift({ field: 'campaignId', message: `campaignId must be 1–${MAX_ID_LENGTH} characters` });
  }
  if (issues.length) throw new CampaignValidationError(issues);
  return inTransaction(pool, async (client) => {
    // The catalog row first, FOR UPDATE: ingest share-locks it before it adds to minute rows, so it waits for a
    // source change (or the change waits for it) and the rebuilt minutes hold every committed event.
    await client.query('INSERT INTO campaigns (campaign_id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING', [
      campaignId,
    ]);
    const { rows } = await client.query<{ spend_source: SpendSource }>(
      'SELECT spend_source FROM campaigns WHERE campaign_id = $1 FOR UPDATE',
      [campaignId],
    );
    const previousSource = rows[0]!.spend_source;
    // updated_at always moves forward, even when two edits land within the clock's resolution: clients compare it.
    await client.query(
      `UPDATE campaigns SET name = $2, objective = $3, status = $4, currency = $5, daily_budget = $6, target_cpa = $7,
         target_roas = $8, starts_on = $9::date, ends_on = $10::date, tags = $11, spend_source = $12,
         updated_at = greatest(now(), updated_at + interval '1 microsecond')
       WHERE campaign_id = $1`,
      [
        campaignId,
        settings.name.trim(),
        settings.objective,
        settings.status,
        settings.currency,
        settings.dailyBudget,
        settings.targetCpa,
        settings.targetRoas,
        settings.startsOn,
        settings.endsOn,
        settings.tags.map((tag) => tag.trim()),
        settings.spendSource,
      ],
    );
    if (previousSource !== settings.spendSource) {
      // Only minutes that can still be recomputed: before this instant raw events are dropped or minute rows trimmed
      // (domain/src/retention.ts), so older rollups keep the spend they were built with.
      const rewritable = oldestRewritableInstant(new Date(), retention);
      await rebuildMinutes(client, {
        where: (alias, ts) => `${alias}.campaign_id = $1 AND ($2::timestamptz IS NULL OR ${ts} >= $2)`,
        values: [campaignId, rewritable],
      });
    }
    return (await findCampaign(client, retention, campaignId))!;
  });
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
