import { randomUUID } from 'node:crypto';
import { storeEvents } from '@pmd/db';
import {
  COUNTER_NAMES,
  COUNTERS,
  counterOverEventsSql,
  countersOverEventsSql,
  kpiSql,
  replaceRollupSql,
  ROLLUP_COLUMNS,
  sumRollupColumnsSql,
  type KpiSums,
} from '@pmd/domain';
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

// The rollup columns and rules come from the registry; the three ratio columns are the original's stored ones.
const COLUMNS = ROLLUP_COLUMNS.join(', ');
const S_COLUMNS = ROLLUP_COLUMNS.map((column) => `s.${column}`).join(', ');
const STORED_RATIO_KPIS = ['ctr', 'clickToSignup', 'signupToActivation'] as const;
const STORED_RATIO_COLUMNS = 'ctr, click_to_signup, signup_to_activation';
const STORED_RATIOS = STORED_RATIO_KPIS.map((name) => kpiSql(name, (counter) => `s.${COUNTERS[counter].column}`)).join(
  ', ',
);
const REPLACE = `${replaceRollupSql()}, ctr = excluded.ctr, click_to_signup = excluded.click_to_signup,
           signup_to_activation = excluded.signup_to_activation`;

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
           (campaign_id, channel, hour, ${COLUMNS}, ${STORED_RATIO_COLUMNS}, updated_at)
         SELECT h.campaign_id, h.channel, h.hour, ${S_COLUMNS}, ${STORED_RATIOS}, now()
         FROM hours h
         CROSS JOIN LATERAL (
           SELECT ${countersOverEventsSql('e')}
           FROM raw_events e
           WHERE e.campaign_id = h.campaign_id AND e.channel = h.channel
             AND e.ts >= h.hour AND e.ts < h.hour + interval '1 hour'
         ) s
         ON CONFLICT (campaign_id, channel, hour) DO UPDATE SET
           ${REPLACE}, updated_at = now()
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
           (campaign_id, channel, day, ${COLUMNS}, ${STORED_RATIO_COLUMNS}, updated_at)
         SELECT d.campaign_id, d.channel, d.day, ${S_COLUMNS}, ${STORED_RATIOS}, now()
         FROM days d
         CROSS JOIN LATERAL (
           SELECT ${sumRollupColumnsSql('h')}
           FROM campaign_metrics_hourly h
           WHERE h.campaign_id = d.campaign_id AND h.channel = d.channel
             AND h.hour >= (d.day::timestamp AT TIME ZONE 'UTC') AND h.hour < (d.day::timestamp AT TIME ZONE 'UTC') + interval '1 day'
         ) s
         ON CONFLICT (campaign_id, channel, day) DO UPDATE SET
           ${REPLACE}, updated_at = now()`,
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
            ${COUNTER_NAMES.map((name) => `(${counterOverEventsSql(name)})::float8 AS "${name}"`).join(',\n            ')}
     FROM raw_events
     WHERE ts >= $1 AND ts < $2
       AND ($3::text[] IS NULL OR campaign_id = ANY($3)) AND ($4::text[] IS NULL OR channel = ANY($4))
     ${groups.length ? `GROUP BY ${groups.map((_, i) => i + 1).join(', ')}` : ''}`,
    [new Date(window.from), new Date(window.to), options.campaignIds ?? null, options.channels ?? null],
  );
  return rows;
}
