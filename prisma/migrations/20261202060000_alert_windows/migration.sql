-- An alert keeps the window and baseline it compared, so the dashboard can draw them on the campaign's chart (the
-- worker's ANOMALY_WINDOW_MINUTES / ANOMALY_BASELINE_HOURS are its own configuration, unknown to readers). Alerts
-- written before this migration have none (NULL): their windows cannot be recovered honestly.
-- Adding nullable columns without a default only changes the catalog: no table rewrite, no long lock.

ALTER TABLE "alerts"
    ADD COLUMN "window_start" TIMESTAMPTZ(6),
    ADD COLUMN "window_end" TIMESTAMPTZ(6),
    ADD COLUMN "baseline_start" TIMESTAMPTZ(6);
