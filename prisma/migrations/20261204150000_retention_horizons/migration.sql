-- From when the worker's retention has removed rows: it moves raw_events_from before it drops a day's partition and
-- minute_rows_from before it trims minute rows, never backwards. The server reads the row and counts on no row before
-- these instants, so a worker whose RAW_EVENTS_RETENTION_DAYS or MINUTE_ROWS_RETENTION_DAYS keeps fewer days than the
-- server's own settings can neither make reads count rows that are gone nor make ingest acknowledge events that the
-- next drop would delete. One row (id 1), made by the worker's first record; no row or NULL: nothing removed.
CREATE TABLE "retention_horizons" (
    "id" SMALLINT NOT NULL DEFAULT 1,
    "raw_events_from" TIMESTAMPTZ(6),
    "minute_rows_from" TIMESTAMPTZ(6),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "retention_horizons_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "retention_horizons_one_row" CHECK ("id" = 1)
);
