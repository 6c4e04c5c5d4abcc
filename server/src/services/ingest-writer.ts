import { NOTIFY_CHANNELS } from '@pmd/db';
import type pg from 'pg';
import { MAX_BATCH_SIZE, type ValidEvent } from './ingest-validation.ts';

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
  RETURNING event_id, campaign_id, channel, ts, event_type, cost
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
       -- Which ids were inserted matters only when the statement carries several requests (see IngestWriter).
       CASE WHEN $9 THEN (SELECT array_agg(event_id) FROM inserted) END AS event_ids,
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

interface PendingWrite {
  events: ValidEvent[];
  resolve(stored: number): void;
  reject(error: unknown): void;
}

/**
 * Group commit for ingest: one statement at a time per process, carrying every request that arrived while the
 * previous one ran (up to MAX_BATCH_SIZE events, a larger request alone). Concurrent requests over the same campaigns
 * would otherwise queue on the same minute rows, each holding their locks through its own commit's WAL flush; merged,
 * they share one commit and one upsert per minute row. Each request still learns exactly how many of its own events
 * were stored: the first occurrence of an event id in the merged batch is the one inserted.
 */
export class IngestWriter {
  private readonly queue: PendingWrite[] = [];
  private writing = false;

  constructor(private readonly pool: pg.Pool) {}

  /** Stores `events` (already validated); resolves how many of them were newly stored. */
  store(events: ValidEvent[]): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queue.length) {
        const group = [this.queue.shift()!];
        let size = group[0]!.events.length;
        while (this.queue.length && size + this.queue[0]!.events.length <= MAX_BATCH_SIZE) {
          size += this.queue[0]!.events.length;
          group.push(this.queue.shift()!);
        }
        try {
          if (group.length === 1) {
            group[0]!.resolve((await insertEvents(this.pool, group[0]!.events, false)).stored);
            continue;
          }
          const inserted = new Set(
            (
              await insertEvents(
                this.pool,
                group.flatMap((write) => write.events),
                true,
              )
            ).eventIds,
          );
          for (const write of group) {
            let stored = 0;
            for (const event of write.events) {
              // delete: a later copy of the same id (in this request or a later one) was not the one inserted.
              if (inserted.delete(event.eventId)) stored++;
            }
            write.resolve(stored);
          }
        } catch (error) {
          for (const write of group) write.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}

/** How many events the statement inserted and, when asked, their ids. */
async function insertEvents(
  pool: pg.Pool,
  events: ValidEvent[],
  withIds: boolean,
): Promise<{ stored: number; eventIds: string[] }> {
  const { rows } = await pool.query<{ stored: number; event_ids: string[] | null }>({
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
      withIds,
    ],
  });
  return { stored: rows[0]!.stored, eventIds: rows[0]!.event_ids ?? [] };
}

const writers = new WeakMap<pg.Pool, IngestWriter>();

/** The one writer of a connection pool (one per app: tests run several apps in one process). */
export function ingestWriterFor(pool: pg.Pool): IngestWriter {
  let writer = writers.get(pool);
  if (!writer) {
    writer = new IngestWriter(pool);
    writers.set(pool, writer);
  }
  return writer;
}
