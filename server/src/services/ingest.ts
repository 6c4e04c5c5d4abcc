import { NOTIFY_CHANNELS } from '@pmd/db';
import type pg from 'pg';
import {
  MAX_BATCH_SIZE,
  validateEvent,
  type EventFieldError,
  type ValidEvent,
} from './ingest-validation.ts';

/**
 * The one ingest use case behind both GraphQL (`ingestEvents`, `ingestEvent`) and the REST shims (`POST /events`,
 * `POST /events/batch`): validate each event, store the valid ones and maintain the minute rollup, the dirty-hour
 * queue and the notification in one statement, and report what happened to every event.
 */

export interface RejectedEvent {
  /** Position in the request (0-based). */
  index: number;
  /** The event's id when it had a string one. */
  eventId: string | null;
  errors: EventFieldError[];
}

export interface IngestOutcome {
  received: number;
  stored: number;
  /** Valid events not stored: their event_id was already stored, or came earlier in the same request. */
  duplicates: number;
  rejected: RejectedEvent[];
}

export class BatchTooLargeError extends Error {
  readonly maxBatchSize = MAX_BATCH_SIZE;
  constructor(readonly received: number) {
    super(`A batch holds at most ${MAX_BATCH_SIZE} events; this one has ${received}. Nothing was stored.`);
    this.name = 'BatchTooLargeError';
  }
}

/** Campaign ids listed in one notification; the payload must stay far under NOTIFY's 8000 bytes. */
const NOTIFY_MAX_CAMPAIGNS = 20;

/**
 * One round trip per batch. Rows are inserted in event_id order and minute rows upserted in key order, so two batches
 * that overlap wait for each other in the same order and never deadlock; the minute upsert reads only the rows this
 * statement inserted (RETURNING), so a duplicate never counts twice.
 */
const INGEST_SQL = `
WITH input AS (
  SELECT *
  FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::numeric[])
       WITH ORDINALITY AS t(event_id, ts, user_id, campaign_id, channel, event_type, cost, ord)
),
inserted AS (
  INSERT INTO raw_events (event_id, ts, user_id, campaign_id, channel, event_type, cost)
  SELECT DISTINCT ON (event_id) event_id, ts, user_id, campaign_id, channel, event_type, cost
  FROM input
  ORDER BY event_id, ord
  ON CONFLICT (event_id) DO NOTHING
  RETURNING campaign_id, channel, ts, event_type, cost
),
minute_sums AS (
  SELECT campaign_id, channel, date_trunc('minute', ts, 'UTC') AS minute,
         count(*) FILTER (WHERE event_type = 'ad_impression')::int AS impressions,
         count(*) FILTER (WHERE event_type = 'ad_click')::int AS clicks,
         count(*) FILTER (WHERE event_type = 'signup')::int AS signups,
         count(*) FILTER (WHERE event_type = 'activation')::int AS activations,
         coalesce(sum(cost) FILTER (WHERE event_type = 'ad_click'), 0) AS cost,
         sum(cost) AS total_cost
  FROM inserted
  GROUP BY 1, 2, 3
),
minute_upsert AS (
  INSERT INTO campaign_metrics_minute AS m
         (campaign_id, channel, minute, impressions, clicks, signups, activations, cost, total_cost)
  SELECT campaign_id, channel, minute, impressions, clicks, signups, activations, cost, total_cost
  FROM minute_sums
  ORDER BY campaign_id, channel, minute
  ON CONFLICT (campaign_id, channel, minute) DO UPDATE SET
    impressions = m.impressions + EXCLUDED.impressions,
    clicks = m.clicks + EXCLUDED.clicks,
    signups = m.signups + EXCLUDED.signups,
    activations = m.activations + EXCLUDED.activations,
    cost = m.cost + EXCLUDED.cost,
    total_cost = m.total_cost + EXCLUDED.total_cost
  RETURNING 1
),
dirty_hours AS (
  INSERT INTO rollup_dirty_hours (campaign_id, channel, hour)
  SELECT DISTINCT campaign_id, channel, date_trunc('hour', minute, 'UTC')
  FROM minute_sums
  RETURNING 1
),
summary AS (
  SELECT count(*)::int AS stored,
         min(ts) AS min_ts,
         max(ts) AS max_ts,
         array_agg(DISTINCT campaign_id) AS campaign_ids
  FROM inserted
)
SELECT s.stored,
       (SELECT count(*) FROM minute_upsert)::int AS minute_rows,
       (SELECT count(*) FROM dirty_hours)::int AS dirty_hours,
       CASE WHEN s.stored > 0 THEN pg_notify($8, json_build_object(
         'stored', s.stored,
         'campaignIds', to_json(s.campaign_ids[1:${NOTIFY_MAX_CAMPAIGNS}]),
         'truncated', cardinality(s.campaign_ids) > ${NOTIFY_MAX_CAMPAIGNS},
         'minTs', to_char(s.min_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         'maxTs', to_char(s.max_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
       )::text) END AS notified
FROM summary s
`;

/**
 * Validates `candidates` (each shaped like the original's JSON event; GraphQL inputs are mapped to that shape first)
 * and stores the valid ones. Throws BatchTooLargeError, before touching the database, beyond MAX_BATCH_SIZE.
 */
export async function ingestEvents(pool: pg.Pool, candidates: readonly unknown[], now = new Date()): Promise<IngestOutcome> {
  if (candidates.length > MAX_BATCH_SIZE) throw new BatchTooLargeError(candidates.length);
  const valid: ValidEvent[] = [];
  const rejected: RejectedEvent[] = [];
  candidates.forEach((candidate, index) => {
    const result = validateEvent(candidate, now);
    if (result.ok) valid.push(result.event);
    else rejected.push({ index, eventId: eventIdOf(candidate), errors: result.errors });
  });
  const stored = valid.length ? await storeEvents(pool, valid) : 0;
  return { received: candidates.length, stored, duplicates: valid.length - stored, rejected };
}

async function storeEvents(pool: pg.Pool, events: ValidEvent[]): Promise<number> {
  const { rows } = await pool.query<{ stored: number }>({
    // Named: each pooled connection plans it once.
    name: 'ingest_events',
    text: INGEST_SQL,
    values: [
      events.map((e) => e.eventId),
      events.map((e) => e.ts),
      events.map((e) => e.userId),
      events.map((e) => e.campaignId),
      events.map((e) => e.channel),
      events.map((e) => e.eventType),
      events.map((e) => String(e.cost)),
      NOTIFY_CHANNELS.eventsIngested,
    ],
  });
  return rows[0]!.stored;
}

function eventIdOf(candidate: unknown): string | null {
  if (typeof candidate !== 'object' || candidate === null) return null;
  const eventId = (candidate as { event_id?: unknown }).event_id;
  return typeof eventId === 'string' ? eventId : null;
}
