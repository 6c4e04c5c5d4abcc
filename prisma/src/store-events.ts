import type pg from 'pg';
import {
  addToRollupSql,
  CAMPAIGN_ALIAS,
  countersOverEventsSql,
  NOTIFY_CHANNELS,
  NOTIFY_MAX_CAMPAIGNS,
  ROLLUP_COLUMNS,
} from '@pmd/domain';

/**
 * The ingest write, defined once: the server's ingest writer runs it, and the tests and benchmarks of every package
 * that need "events as ingest stores them" run the very same statement.
 */

/** One valid event, as the statement stores it. */
export interface EventRow {
  eventId: string;
  ts: Date | string;
  userId: string;
  campaignId: string;
  channel: string;
  /** One of the registry's EVENT_TYPES (ad_impression | ad_click | signup | activation). */
  eventType: string;
  cost: number | string;
  /** Conversion value; 0 when absent. */
  revenue?: number | string;
}

/**
 * How the statement meets an id already stored: `skip-known` leaves it out (`ON CONFLICT DO NOTHING`); `all-new` assumes
 * there is none (a plain insert, whose unique check costs PostgreSQL 2–3 µs less per event than ON CONFLICT's
 * speculative insertion) and fails as a whole, storing nothing, if there is one.
 */
type KnownIds = 'skip-known' | 'all-new';

/**
 * One round trip per batch. Ids (then rows) are inserted in event_id order and minute rows upserted in key order, so
 * two batches that overlap wait for each other in the same order and never deadlock; the minute upsert reads only the
 * rows this statement inserted (RETURNING), so a duplicate never counts twice, whatever its ts. The counters (minute sums, upserted columns and
 * their additions) come from the metric registry: a new counter needs its registry entry and its column, nothing here.
 */
const ingestSql = (knownIds: KnownIds) => `
WITH input AS (
  -- The batch arrives as one array per column (arrayLiteral below writes them): PostgreSQL reads a text[] of 1,000
  -- values in half the CPU json_to_recordset takes for the same rows, and the server writes it as cheaply as JSON.
  -- Absent revenue is 0.
  SELECT event_id, ts, user_id, campaign_id, channel, event_type, cost, coalesce(revenue, 0) AS revenue, ord
  FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::numeric[],
              $8::numeric[])
       WITH ORDINALITY AS t(event_id, ts, user_id, campaign_id, channel, event_type, cost, revenue, ord)
),
-- raw_events is partitioned by day, so its key (ts, event_id) cannot refuse an id re-sent with another ts: event_ids
-- decides which ids are new, and only their events are stored.
new_ids AS (
  INSERT INTO event_ids (event_id)
  SELECT DISTINCT event_id FROM input
  ORDER BY event_id
  ${knownIds === 'skip-known' ? 'ON CONFLICT (event_id) DO NOTHING' : ''}
  RETURNING event_id
),
inserted AS (
  INSERT INTO raw_events (event_id, ts, user_id, campaign_id, channel, event_type, cost, revenue)
  SELECT DISTINCT ON (event_id) event_id, ts, user_id, campaign_id, channel, event_type, cost, revenue
  FROM input
  WHERE event_id IN (SELECT event_id FROM new_ids)
  ORDER BY event_id, ord
  RETURNING event_id, campaign_id, channel, ts, event_type, cost, revenue
),
-- The catalog rows of the batch's campaigns, share-locked: a change of a campaign's spend source (which rewrites its
-- rollups' spend) waits for this batch, or this batch reads the source it changed to. Never-seen campaigns get their
-- row (name = id, spend from events) here; a concurrent batch adding the same one waits on the key and skips it.
known_campaigns AS (
  SELECT c.campaign_id, c.spend_source FROM campaigns c
  WHERE c.campaign_id IN (SELECT campaign_id FROM inserted)
  ORDER BY c.campaign_id
  FOR SHARE OF c
),
new_campaigns AS (
  INSERT INTO campaigns (campaign_id, name)
  SELECT DISTINCT campaign_id, campaign_id FROM inserted
  WHERE campaign_id NOT IN (SELECT campaign_id FROM known_campaigns)
  ORDER BY 1
  ON CONFLICT (campaign_id) DO NOTHING
  RETURNING 1
),
minute_sums AS (
  SELECT e.campaign_id, e.channel, date_trunc('minute', e.ts, 'UTC') AS minute,
  ${countersOverEventsSql('e')}
  FROM inserted e
  LEFT JOIN known_campaigns ${CAMPAIGN_ALIAS} ON ${CAMPAIGN_ALIAS}.campaign_id = e.campaign_id
  GROUP BY 1, 2, 3
),
minute_upsert AS (
  INSERT INTO campaign_metrics_minute AS m
         (campaign_id, channel, minute, ${ROLLUP_COLUMNS.join(', ')})
  SELECT campaign_id, channel, minute, ${ROLLUP_COLUMNS.join(', ')}
  FROM minute_sums
  ORDER BY campaign_id, channel, minute
  ON CONFLICT (campaign_id, channel, minute) DO UPDATE SET
    ${addToRollupSql('m')}
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
       -- Which ids were inserted matters only when the statement carries several requests (see IngestWriter), and
       -- only when some event was not stored: when all were, each request stored all of its own.
       CASE WHEN $10 AND s.stored < (SELECT count(*) FROM input) THEN (SELECT array_agg(event_id) FROM inserted) END
         AS event_ids,
       (SELECT count(*) FROM minute_upsert)::int AS minute_rows,
       (SELECT count(*) FROM dirty_hours)::int AS dirty_hours,
       (SELECT count(*) FROM new_campaigns)::int AS new_campaigns,
       CASE WHEN s.stored > 0 AND $9::text IS NOT NULL THEN pg_notify($9, json_build_object(
         'stored', s.stored,
         'campaignIds', to_json(s.campaign_ids[1:${NOTIFY_MAX_CAMPAIGNS}]),
         'truncated', cardinality(s.campaign_ids) > ${NOTIFY_MAX_CAMPAIGNS},
         'minTs', to_char(s.min_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         'maxTs', to_char(s.max_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
       )::text) END AS notified
FROM summary s
`;

/** The ingest statement: known ids are left out, so every event is stored at most once, whatever was sent before. */
export const INGEST_SQL = ingestSql('skip-known');
const INGEST_ALL_NEW_SQL = ingestSql('all-new');

export interface StoreEventsOptions {
  /**
   * Also return the ids inserted when some event was not stored (a merged group commit needs them then to credit each
   * request; when every event was stored, each request stored all of its own).
   */
  withIds?: boolean;
  /** Send the `pmd_events_ingested` notification (default true, as ingest does). */
  notify?: boolean;
}

export interface StoredEvents {
  /** How many events were new (and stored). */
  stored: number;
  /** With `withIds`, when not all were new: the ids stored; null otherwise. */
  eventIds: string[] | null;
}

/**
 * Stores `events` in one statement; resolves how many were new and, when asked and not all were, their ids (null
 * otherwise).
 */
export function storeEvents(
  db: pg.Pool | pg.ClientBase,
  events: readonly EventRow[],
  options: StoreEventsOptions = {},
): Promise<StoredEvents> {
  return runIngest(db, ingestParameters(events, options), 'skip-known');
}

/**
 * `storeEvents` for a stream whose ids are new but for the odd re-send: the `all-new` statement first and, only when
 * an id turns out to be known (stored before, or by a statement running beside it), the `skip-known` one. `fellBack`
 * says it took both. Autocommit only (a Pool): the failed statement would abort a caller's transaction.
 */
export async function storeEventsAssumingNewIds(
  pool: pg.Pool,
  events: readonly EventRow[],
  options: StoreEventsOptions = {},
): Promise<StoredEvents & { fellBack: boolean }> {
  // Written once: the second statement, when there is one, sends the same parameters.
  const parameters = ingestParameters(events, options);
  try {
    return { ...(await runIngest(pool, parameters, 'all-new')), fellBack: false };
  } catch (error) {
    if (!isKnownIdError(error)) throw error;
    return { ...(await runIngest(pool, parameters, 'skip-known')), fellBack: true };
  }
}

/** The unique violation of an id already in event_ids, as the `all-new` statement fails on it. */
function isKnownIdError(error: unknown): boolean {
  const { code, constraint } = error as { code?: string; constraint?: string };
  return code === '23505' && constraint === 'event_ids_pkey';
}

/** The statement's parameters $1–$10: one array literal per column, the notification channel, `withIds`. */
function ingestParameters(events: readonly EventRow[], options: StoreEventsOptions): unknown[] {
  return [
    arrayLiteral(events, (event) => event.eventId),
    arrayLiteral(events, (event) => (typeof event.ts === 'string' ? event.ts : event.ts.toISOString())),
    arrayLiteral(events, (event) => event.userId),
    arrayLiteral(events, (event) => event.campaignId),
    arrayLiteral(events, (event) => event.channel),
    arrayLiteral(events, (event) => event.eventType),
    // Numbers keep their shortest exact text (String(0.1) is "0.1"), which numeric reads exactly.
    arrayLiteral(events, (event) => String(event.cost)),
    arrayLiteral(events, (event) => (event.revenue === undefined ? undefined : String(event.revenue))),
    options.notify === false ? null : NOTIFY_CHANNELS.eventsIngested,
    options.withIds ?? false,
  ];
}

async function runIngest(
  db: pg.Pool | pg.ClientBase,
  parameters: unknown[],
  knownIds: KnownIds,
): Promise<StoredEvents> {
  const { rows } = await db.query<{ stored: number; event_ids: string[] | null }>({
    // Named: each pooled connection plans each statement once.
    name: `ingest_events_${knownIds}`,
    text: knownIds === 'skip-known' ? INGEST_SQL : INGEST_ALL_NEW_SQL,
    values: parameters,
  });
  return { stored: rows[0]!.stored, eventIds: rows[0]!.event_ids };
}

const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;

/**
 * A PostgreSQL array literal of one column: every value double-quoted (so commas, braces, spaces and the word NULL are
 * text), with `"` and `\` escaped by a backslash; undefined is SQL NULL. Built here rather than by pg, whose array
 * serialisation escapes each value with two regular expressions: 11% of the server's CPU under batch ingest. The usual
 * column (no NULL, nothing to escape) is written by native joins: concatenating value by value allocated a third of
 * what batch ingest allocated (2,000 intermediate strings per column of 1,000 events).
 */
function arrayLiteral(events: readonly EventRow[], value: (event: EventRow) => string | undefined): string {
  const texts = events.map(value);
  if (!texts.includes(undefined) && !NEEDS_ESCAPE.test(texts.join(''))) return `{"${texts.join('","')}"}`;
  const quoted = texts.map((text) => (text === undefined ? 'NULL' : `"${text.replace(ESCAPED, '\\$&')}"`));
  return `{${quoted.join(',')}}`;
}
