-- raw_events_create_partition now locks raw_events itself before it moves a day out of the default partition.
-- Before, a query of raw_events that was planned while a move ran and read after it committed saw the moved events in
-- neither place: its plan had no partition for the day (the attach was not committed yet), and its snapshot, taken
-- after planning as READ COMMITTED does, no longer had them in the default partition. ACCESS EXCLUSIVE on the parent
-- is the one mode that makes such a query wait before it plans. It holds ingest and reads for as long as the move
-- takes: days created ahead move nothing, late events move as many rows as arrived for their day. The parent is
-- locked before the default partition, in the order every query takes them, so a move and a query never deadlock.
CREATE OR REPLACE FUNCTION "raw_events_create_partition"(p_day DATE) RETURNS BIGINT LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_name TEXT := 'raw_events_p' || to_char(p_day, 'YYYYMMDD');
    v_from TIMESTAMPTZ := p_day::timestamp AT TIME ZONE 'UTC';
    v_to TIMESTAMPTZ := (p_day + 1)::timestamp AT TIME ZONE 'UTC';
    v_moved BIGINT;
BEGIN
    IF to_regclass(format('public.%I', v_name)) IS NOT NULL THEN
        RETURN NULL;
    END IF;
    LOCK TABLE "raw_events" IN ACCESS EXCLUSIVE MODE;
    -- No event of this day may reach the default partition between the move and the attach (which checks it); the
    -- parent's lock covers inserts through it, this one those into the default partition by name.
    LOCK TABLE "raw_events_default" IN ACCESS EXCLUSIVE MODE;
    -- Checked again under the lock: a run beside this one may have created the day while this one waited.
    IF to_regclass(format('public.%I', v_name)) IS NOT NULL THEN
        RETURN NULL;
    END IF;
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
