-- raw_events partitioned by UTC day (raw_events_pYYYYMMDD), so retention drops whole days instead of deleting rows.
-- A primary key of a partitioned table must hold the partition key, so (ts, event_id) no longer keeps an id unique
-- across days: the unpartitioned event_ids table does (ingest inserts the batch's ids there first and stores only the
-- rows whose id was new, in the same statement). Rewrites the table once: the time this takes grows with its size.

-- The old table keeps its rows until they are copied; its index names go to the new table.
ALTER TABLE "raw_events" DROP CONSTRAINT "raw_events_pkey";
DROP INDEX "raw_events_ts_idx", "raw_events_campaign_id_ts_idx";
ALTER TABLE "raw_events" RENAME TO "raw_events_unpartitioned";

CREATE TABLE "raw_events" (
    "event_id" TEXT NOT NULL,
    "ts" TIMESTAMPTZ(6) NOT NULL,
    "user_id" TEXT NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "cost" DECIMAL(18,6) NOT NULL DEFAULT 0,
    "received_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "revenue" DECIMAL(18,6) NOT NULL DEFAULT 0,
    -- ts first: the key serves time-window reads too (no separate ts index to maintain on every insert), and new
    -- events append at its right edge; only event_ids takes the random inserts of the ids.
    CONSTRAINT "raw_events_pkey" PRIMARY KEY ("ts", "event_id"),
    CONSTRAINT "raw_events_event_type_check"
        CHECK ("event_type" IN ('ad_impression', 'ad_click', 'signup', 'activation')),
    CONSTRAINT "raw_events_cost_check" CHECK ("cost" >= 0),
    CONSTRAINT "raw_events_revenue_check" CHECK ("revenue" >= 0 AND "revenue" <= 1000000000)
) PARTITION BY RANGE ("ts");
CREATE INDEX "raw_events_campaign_id_ts_idx" ON "raw_events"("campaign_id", "ts");

-- Events of a day without a partition (a late event, accepted up to the ingest window) are stored here, never
-- refused; the worker's raw_events_partitions task moves them into their day's partition.
CREATE TABLE "raw_events_default" PARTITION OF "raw_events" DEFAULT;

-- Every stored event's id, once. Only its primary key: ingest's ON CONFLICT reads it, and retention deletes the ids of
-- a dropped day by joining that day's partition, so no index on time is needed (each index slows every insert).
CREATE TABLE "event_ids" (
    "event_id" TEXT NOT NULL,
    CONSTRAINT "event_ids_pkey" PRIMARY KEY ("event_id")
);

-- Creates the partition of one UTC day unless it exists, moving that day's rows out of the default partition into it.
-- Returns how many rows it moved, or NULL when the partition already existed. Only the default partition is locked
-- (ATTACH takes SHARE UPDATE EXCLUSIVE on raw_events), so ingest into other days and reads go on meanwhile.
CREATE FUNCTION "raw_events_create_partition"(p_day DATE) RETURNS BIGINT LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_name TEXT := 'raw_events_p' || to_char(p_day, 'YYYYMMDD');
    v_from TIMESTAMPTZ := p_day::timestamp AT TIME ZONE 'UTC';
    v_to TIMESTAMPTZ := (p_day + 1)::timestamp AT TIME ZONE 'UTC';
    v_moved BIGINT;
BEGIN
    IF to_regclass(format('public.%I', v_name)) IS NOT NULL THEN
        RETURN NULL;
    END IF;
    -- No event of this day may reach the default partition between the move and the attach (which checks it).
    LOCK TABLE "raw_events_default" IN ACCESS EXCLUSIVE MODE;
    EXECUTE format('CREATE TABLE public.%I (LIKE "raw_events" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', v_name);
    EXECUTE format(
        'WITH moved AS (DELETE FROM "raw_events_default" WHERE ts >= $1 AND ts < $2 RETURNING *)
         INSERT INTO public.%I SELECT * FROM moved', v_name) USING v_from, v_to;
    GET DIAGNOSTICS v_moved = ROW_COUNT;
    EXECUTE format('ALTER TABLE "raw_events" ATTACH PARTITION public.%I FOR VALUES FROM (%L) TO (%L)',
                   v_name, v_from, v_to);
    RETURN v_moved;
END
$$;

-- A partition for every day holding events, and for today and the next days (the worker keeps creating them ahead).
SELECT "raw_events_create_partition"(day)
FROM (SELECT DISTINCT (ts AT TIME ZONE 'UTC')::date AS day FROM "raw_events_unpartitioned"
      UNION
      SELECT (now() AT TIME ZONE 'UTC')::date + ahead FROM generate_series(0, 3) AS ahead) days
ORDER BY day;

INSERT INTO "raw_events" (event_id, ts, user_id, campaign_id, channel, event_type, cost, received_at, revenue)
SELECT event_id, ts, user_id, campaign_id, channel, event_type, cost, received_at, revenue
FROM "raw_events_unpartitioned";
INSERT INTO "event_ids" (event_id) SELECT event_id FROM "raw_events_unpartitioned";
DROP TABLE "raw_events_unpartitioned";
