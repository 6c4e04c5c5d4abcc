import { randomUUID } from 'node:crypto';
import { sqlRatio, storeEvents, type KpiSums } from '@pmd/db';
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

/** Stores events with the ingest service's own statement, in batches of 5,000; `notify` sends pmd_events_ingested. */
export async function ingestLike(
  pool: pg.Pool,
  events: SeedEvent[],
  options: { notify?: boolean } = {},
): Promise<number> {
  let stored = 0;
  for (let start = 0; start < events.length; start += 5_000) {
    stored += (await storeEvents(pool, events.slice(start, start + 5_000), { notify: options.notify ?? false })).stored;
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
