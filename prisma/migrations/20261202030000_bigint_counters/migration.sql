-- Rollup counters become bigint: one hot campaign-day passes 2^31 impressions, and an integer daily row would make the
-- metrics_daily drain fail ("integer out of range") for every campaign, not just that one.
-- Each ALTER rewrites its table under an ACCESS EXCLUSIVE lock (ingest and rollups wait for it): run it while traffic
-- is low on a large database.

ALTER TABLE "campaign_metrics_minute"
    ALTER COLUMN "impressions" TYPE BIGINT,
    ALTER COLUMN "clicks" TYPE BIGINT,
    ALTER COLUMN "signups" TYPE BIGINT,
    ALTER COLUMN "activations" TYPE BIGINT;

ALTER TABLE "campaign_metrics_hourly"
    ALTER COLUMN "impressions" TYPE BIGINT,
    ALTER COLUMN "clicks" TYPE BIGINT,
    ALTER COLUMN "signups" TYPE BIGINT,
    ALTER COLUMN "activations" TYPE BIGINT;

ALTER TABLE "campaign_metrics_daily"
    ALTER COLUMN "impressions" TYPE BIGINT,
    ALTER COLUMN "clicks" TYPE BIGINT,
    ALTER COLUMN "signups" TYPE BIGINT,
    ALTER COLUMN "activations" TYPE BIGINT;
