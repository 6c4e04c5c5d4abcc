-- raw_events' (campaign_id, ts) index leaves the days still being written. Maintaining it cost every ingested event a
-- B-tree insert, the largest single cost left in ingest (docs/scaling.md), while the reads it serves are of one campaign
-- over many days. Now each day's partition gets it once the day is closed (older than yesterday in UTC, which has had
-- most late events by then): the worker's raw_events_partitions task builds it there with CREATE INDEX CONCURRENTLY,
-- one sorted build instead of an insert per event. Reads of the open days go by time (the key leads with ts), and
-- listCampaigns finds a campaign's first and last event there through its minute rows.
--
-- The partitioned index goes with its copies on every partition; the closed days and the default partition (late
-- events of days without a partition, rarely written) get their own here, under the names PostgreSQL gave the copies.
-- Building them holds ingest for as long as it takes: on a large table, this migration takes as long as indexing the
-- closed days once.
DROP INDEX "raw_events_campaign_id_ts_idx";
DO $$
DECLARE
    v_partition TEXT;
BEGIN
    FOR v_partition IN
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'raw_events'::regclass
          -- CASE, not AND: PostgreSQL may evaluate a condition before the others, and to_date fails on other names.
          AND CASE WHEN c.relname ~ '^raw_events_p[0-9]{8}$'
                   THEN to_date(substr(c.relname, 13), 'YYYYMMDD') < (now() AT TIME ZONE 'UTC')::date - 1
                   ELSE c.relname = 'raw_events_default' END
        ORDER BY 1
    LOOP
        EXECUTE format('CREATE INDEX %I ON public.%I ("campaign_id", "ts")', v_partition || '_campaign_id_ts_idx',
                       v_partition);
    END LOOP;
END
$$;
