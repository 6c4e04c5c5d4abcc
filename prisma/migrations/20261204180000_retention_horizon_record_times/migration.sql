-- When each recorded horizon last moved, by the database's clock. The worker removes rows before a horizon only once
-- it has stood RECORDED_HORIZON_SETTLE_MS (domain/src/retention.ts): every server reads the row every few seconds, so
-- by then none still accepts an event, or writes a minute row, that the removal would take. They replace the row's
-- one updated_at, which could not tell which level moved. NULL: that level never moved.
ALTER TABLE "retention_horizons"
    ADD COLUMN "raw_events_recorded_at" TIMESTAMPTZ(6),
    ADD COLUMN "minute_rows_recorded_at" TIMESTAMPTZ(6);

UPDATE "retention_horizons"
SET "raw_events_recorded_at" = CASE WHEN "raw_events_from" IS NOT NULL THEN "updated_at" END,
    "minute_rows_recorded_at" = CASE WHEN "minute_rows_from" IS NOT NULL THEN "updated_at" END;

ALTER TABLE "retention_horizons" DROP COLUMN "updated_at";
