import { randomUUID } from 'node:crypto';
import { NOTIFY_CHANNELS, sqlRatio, type KpiSums } from '@pmd/db';
import type pg from 'pg';

export type EventTypeName = 'ad_impression' | 'ad_click' | 'signup' | 'activation';

export interface SeedEvent {
  eventId: string;
  ts: Date;
  userId: string;
  campaignId: string;
  channel: string;
  eventType: EventTypeName;
  /** decimal string, at most 6 places */
  cost: string;
}

/** A small deterministic PRNG (mulberry32): failures reproduce from the printed seed. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SEED_KEYS = [
  { campaignId: 'camp_google_brand', channel: 'google' },
  { campaignId: 'camp_meta_prospecting', channel: 'meta' },
  { campaignId: 'camp_meta_prospecting', channel: 'instagram' },
  { campaignId: 'camp_tiktok_creative', channel: 'tiktok' },
  { campaignId: 'camp_email_reactivation', channel: 'email' },
];

const TYPES: EventTypeName[] = [
  'ad_impression',
  'ad_impression',
  'ad_impression',
  'ad_impression',
  'ad_click',
  'signup',
  'activation',
];

/** `count` random events with times uniform in [from, to) over SEED_KEYS, with random costs (clicks and others). */
export function randomEvents(random: () => number, count: number, from: Date, to: Date): SeedEvent[] {
  const span = to.getTime() - from.getTime();
  return Array.from({ length: count }, () => {
    const key = SEED_KEYS[Math.floor(random() * SEED_KEYS.length)]!;
    const eventType = TYPES[Math.floor(random() * TYPES.length)]!;
    const cost =
      eventType === 'ad_click' || random() < 0.1 ? (Math.floor(random() * 2_000_000) / 1_000_000).toFixed(6) : '0';
    return {
      eventId: randomUUID(),
      // microsecond-free on purpose is not needed: PostgreSQL keeps µs, windows are ms; both sides use the same rows.
      ts: new Date(from.getTime() + Math.floor(random() * span)),
      userId: `user_${Math.floor(random() * 2000)}`,
      ...key,
      eventType,
      cost,
    };
  });
}

/**
 * What ingest does, in one statement: store the events (duplicates skipped), add exactly the stored ones to
 * campaign_metrics_minute, queue their (key, hour) in rollup_dirty_hours, and NOTIFY pmd_events_ingested.
 */
export async function ingestLike(
  pool: pg.Pool,
  events: SeedEvent[],
  options: { notify?: boolean } = {},
): Promise<number> {
  let stored = 0;
  for (let start = 0; start < events.length; start += 5_000) {
    const batch = events.slice(start, start + 5_000);
    const { rows } = await pool.query<{ stored: number }>(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::numeric[])
           AS t(event_id, ts, user_id, campaign_id, channel, event_type, cost)
       ), inserted AS (
         INSERT INTO raw_events (event_id, ts, user_id, campaign_id, channel, event_type, cost)
         SELECT * FROM input ON CONFLICT (event_id) DO NOTHING
         RETURNING ts, campaign_id, channel, event_type, cost
       ), minutes AS (
         INSERT INTO campaign_metrics_minute AS m
           (campaign_id, channel, minute, impressions, clicks, signups, activations, cost, total_cost)
         SELECT campaign_id, channel, date_trunc('minute', ts, 'UTC'),
                count(*) FILTER (WHERE event_type = 'ad_impression'), count(*) FILTER (WHERE event_type = 'ad_click'),
                count(*) FILTER (WHERE event_type = 'signup'), count(*) FILTER (WHERE event_type = 'activation'),
                COALESCE(sum(cost) FILTER (WHERE event_type = 'ad_click'), 0), sum(cost)
         FROM inserted GROUP BY 1, 2, 3
         ON CONFLICT (campaign_id, channel, minute) DO UPDATE SET
           impressions = m.impressions + excluded.impressions, clicks = m.clicks + excluded.clicks,
           signups = m.signups + excluded.signups, activations = m.activations + excluded.activations,
           cost = m.cost + excluded.cost, total_cost = m.total_cost + excluded.total_cost
       ), dirty AS (
         INSERT INTO rollup_dirty_hours (campaign_id, channel, hour)
         SELECT DISTINCT campaign_id, channel, date_trunc('hour', ts, 'UTC') FROM inserted
       ), summary AS (
         SELECT count(*)::int AS stored, array_agg(DISTINCT campaign_id) AS campaign_ids,
                min(ts) AS min_ts, max(ts) AS max_ts FROM inserted
       )
       SELECT stored,
              CASE WHEN $8 AND stored > 0 THEN pg_notify($9, json_build_object(
                'stored', stored, 'campaignIds', campaign_ids, 'truncated', false,
                'minTs', min_ts, 'maxTs', max_ts)::text) END AS notified
       FROM summary`,
      [
        batch.map((e) => e.eventId),
        batch.map((e) => e.ts),
        batch.map((e) => e.userId),
        batch.map((e) => e.campaignId),
        batch.map((e) => e.channel),
        batch.map((e) => e.eventType),
        batch.map((e) => e.cost),
        options.notify ?? false,
        NOTIFY_CHANNELS.eventsIngested,
      ],
    );
    stored += rows[0]!.stored;
  }
  return stored;
}

/**
 * Brute-force stand-in for the worker: recomputes the hours queued in rollup_dirty_hours (before `before`) from
 * raw_events, queues their days, drains the hour queue; then, when `days` is set, recomputes the queued days from the
 * hourly rows and drains the day queue.
 */
export async function rollUp(pool: pg.Pool, options: { before?: Date; days?: boolean } = {}): Promise<void> {
  const before = options.before ?? new Date('9999-01-01T00:00:00Z');
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `WITH drained AS (
         DELETE FROM rollup_dirty_hours WHERE hour < $1 RETURNING campaign_id, channel, hour
       ), hours AS (SELECT DISTINCT campaign_id, channel, hour FROM drained),
       recomputed AS (
         INSERT INTO campaign_metrics_hourly AS r
           (campaign_id, channel, hour, impressions, clicks, signups, activations, cost, total_cost,
            ctr, click_to_signup, signup_to_activation, updated_at)
         SELECT h.campaign_id, h.channel, h.hour, s.impressions, s.clicks, s.signups, s.activations, s.cost, s.total_cost,
                ${sqlRatio('s.clicks', 's.impressions')}, ${sqlRatio('s.signups', 's.clicks')},
                ${sqlRatio('s.activations', 's.signups')}, now()
         FROM hours h
         CROSS JOIN LATERAL (
           SELECT count(*) FILTER (WHERE e.event_type = 'ad_impression') AS impressions,
                  count(*) FILTER (WHERE e.event_type = 'ad_click') AS clicks,
                  count(*) FILTER (WHERE e.event_type = 'signup') AS signups,
                  count(*) FILTER (WHERE e.event_type = 'activation') AS activations,
                  COALESCE(sum(e.cost) FILTER (WHERE e.event_type = 'ad_click'), 0) AS cost,
                  COALESCE(sum(e.cost), 0) AS total_cost
           FROM raw_events e
           WHERE e.campaign_id = h.campaign_id AND e.channel = h.channel
             AND e.ts >= h.hour AND e.ts < h.hour + interval '1 hour'
         ) s
         ON CONFLICT (campaign_id, channel, hour) DO UPDATE SET
           impressions = excluded.impressions, clicks = excluded.clicks, signups = excluded.signups,
           activations = excluded.activations, cost = excluded.cost, total_cost = excluded.total_cost,
           ctr = excluded.ctr, click_to_signup = excluded.click_to_signup,
           signup_to_activation = excluded.signup_to_activation, updated_at = now()
       )
       INSERT INTO rollup_dirty_days (campaign_id, channel, day)
       SELECT DISTINCT campaign_id, channel, (hour AT TIME ZONE 'UTC')::date FROM hours`,
      [before],
    );
    if (options.days) {
      await client.query(
        `WITH drained AS (DELETE FROM rollup_dirty_days RETURNING campaign_id, channel, day),
         days AS (SELECT DISTINCT campaign_id, channel, day FROM drained)
         INSERT INTO campaign_metrics_daily AS r
           (campaign_id, channel, day, impressions, clicks, signups, activations, cost, total_cost,
            ctr, click_to_signup, signup_to_activation, updated_at)
         SELECT d.campaign_id, d.channel, d.day, s.impressions, s.clicks, s.signups, s.activations, s.cost, s.total_cost,
                ${sqlRatio('s.clicks', 's.impressions')}, ${sqlRatio('s.signups', 's.clicks')},
                ${sqlRatio('s.activations', 's.signups')}, now()
         FROM days d
         CROSS JOIN LATERAL (
           SELECT COALESCE(sum(h.impressions), 0) AS impressions, COALESCE(sum(h.clicks), 0) AS clicks,
                  COALESCE(sum(h.signups), 0) AS signups, COALESCE(sum(h.activations), 0) AS activations,
                  COALESCE(sum(h.cost), 0) AS cost, COALESCE(sum(h.total_cost), 0) AS total_cost
           FROM campaign_metrics_hourly h
           WHERE h.campaign_id = d.campaign_id AND h.channel = d.channel
             AND h.hour >= (d.day::timestamp AT TIME ZONE 'UTC') AND h.hour < (d.day::timestamp AT TIME ZONE 'UTC') + interval '1 day'
         ) s
         ON CONFLICT (campaign_id, channel, day) DO UPDATE SET
           impressions = excluded.impressions, clicks = excluded.clicks, signups = excluded.signups,
           activations = excluded.activations, cost = excluded.cost, total_cost = excluded.total_cost,
           ctr = excluded.ctr, click_to_signup = excluded.click_to_signup,
           signup_to_activation = excluded.signup_to_activation, updated_at = now()`,
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

export interface BruteForceRow extends KpiSums {
  campaign_id?: string;
  channel?: string;
}

/** The reference: sums straight from raw_events over [from, to), grouped by the given columns. */
export async function bruteForce(
  pool: pg.Pool,
  window: { from: Date | string; to: Date | string },
  options: {
    campaignIds?: string[];
    channels?: string[];
    groupBy?: ('campaign_id' | 'channel')[];
    bucket?: 'minute' | 'hour' | 'day';
  } = {},
): Promise<(BruteForceRow & { bucket?: Date })[]> {
  const groups: string[] = [...(options.groupBy ?? [])];
  if (options.bucket) groups.push(`date_trunc('${options.bucket}', ts, 'UTC') AS bucket`);
  const { rows } = await pool.query(
    `SELECT ${groups.map((g) => `${g}, `).join('')}
            count(*) FILTER (WHERE event_type = 'ad_impression')::float8 AS impressions,
            count(*) FILTER (WHERE event_type = 'ad_click')::float8 AS clicks,
            count(*) FILTER (WHERE event_type = 'signup')::float8 AS signups,
            count(*) FILTER (WHERE event_type = 'activation')::float8 AS activations,
            COALESCE(sum(cost) FILTER (WHERE event_type = 'ad_click'), 0)::float8 AS "clickCost",
            COALESCE(sum(cost), 0)::float8 AS spend
     FROM raw_events
     WHERE ts >= $1 AND ts < $2
       AND ($3::text[] IS NULL OR campaign_id = ANY($3)) AND ($4::text[] IS NULL OR channel = ANY($4))
     ${groups.length ? `GROUP BY ${groups.map((_, i) => i + 1).join(', ')}` : ''}`,
    [new Date(window.from), new Date(window.to), options.campaignIds ?? null, options.channels ?? null],
  );
  return rows;
}
