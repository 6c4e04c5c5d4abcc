-- Money: a campaign catalog, revenue on events and in every rollup, imported spend, and the method of the built-in
-- target rules (projected overspend, CPA above target, ROAS below target).

-- Conversion value of an event (any type; usually an activation). Like cost: finite, 6 decimals, 0 when not sent.
ALTER TABLE "raw_events" ADD COLUMN "revenue" DECIMAL(18,6) NOT NULL DEFAULT 0,
    ADD CONSTRAINT "raw_events_revenue_check" CHECK ("revenue" >= 0 AND "revenue" <= 1000000000);
ALTER TABLE "campaign_metrics_minute" ADD COLUMN "revenue" DECIMAL(20,6) NOT NULL DEFAULT 0;
ALTER TABLE "campaign_metrics_hourly" ADD COLUMN "revenue" DECIMAL(20,6) NOT NULL DEFAULT 0;
ALTER TABLE "campaign_metrics_daily" ADD COLUMN "revenue" DECIMAL(20,6) NOT NULL DEFAULT 0;

-- The campaign catalog. Ingest adds a row (name = id) on a campaign's first event and a spend import on its first
-- row; people edit the rest. spend_source says where the campaign's spend comes from: 'events' (the cost of its
-- events) or 'imports' (spend_imports; its events' costs then count as click cost only). The rollups' total_cost
-- holds the spend so resolved, so every reader of the rollups sees one spend.
CREATE TABLE "campaigns" (
    "campaign_id" VARCHAR(128) NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "objective" TEXT,
    "status" TEXT NOT NULL DEFAULT 'active',
    "currency" VARCHAR(3) NOT NULL DEFAULT 'USD',
    "daily_budget" DECIMAL(18,6),
    "target_cpa" DECIMAL(18,6),
    "target_roas" DOUBLE PRECISION,
    "starts_on" DATE,
    "ends_on" DATE,
    "tags" TEXT[] NOT NULL DEFAULT '{}',
    "spend_source" TEXT NOT NULL DEFAULT 'events',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "campaigns_pkey" PRIMARY KEY ("campaign_id"),
    -- The full validation (lengths, tag count, ranges) is @pmd/domain's validateCampaignSettings.
    CONSTRAINT "campaigns_objective_check"
        CHECK ("objective" IN ('awareness', 'traffic', 'leads', 'sales', 'app_installs')),
    CONSTRAINT "campaigns_status_check" CHECK ("status" IN ('active', 'paused', 'ended')),
    CONSTRAINT "campaigns_currency_check" CHECK ("currency" ~ '^[A-Z]{3}$'),
    CONSTRAINT "campaigns_money_check" CHECK (("daily_budget" IS NULL OR "daily_budget" > 0)
        AND ("target_cpa" IS NULL OR "target_cpa" > 0) AND ("target_roas" IS NULL OR "target_roas" > 0)),
    CONSTRAINT "campaigns_dates_check" CHECK ("ends_on" IS NULL OR "starts_on" IS NULL OR "ends_on" >= "starts_on"),
    CONSTRAINT "campaigns_spend_source_check" CHECK ("spend_source" IN ('events', 'imports'))
);

INSERT INTO "campaigns" ("campaign_id", "name")
SELECT DISTINCT "campaign_id", "campaign_id" FROM "campaign_metrics_minute"
ON CONFLICT DO NOTHING;

-- Spend reported by an ad platform for one campaign, channel and period (a local hour or day of time_zone). A row
-- counts at period_start: a window holds an imported row when its period starts inside the window. Periods of one
-- campaign and channel never overlap (an upload replaces the rows its periods overlap). impressions and clicks are
-- what the platform reported, kept for reconciliation; the KPIs count events.
CREATE TABLE "spend_imports" (
    "id" BIGSERIAL NOT NULL,
    "campaign_id" VARCHAR(128) NOT NULL,
    "channel" VARCHAR(64) NOT NULL,
    "period_start" TIMESTAMPTZ(6) NOT NULL,
    "period_end" TIMESTAMPTZ(6) NOT NULL,
    "granularity" TEXT NOT NULL,
    "time_zone" TEXT NOT NULL,
    "spend" DECIMAL(18,6) NOT NULL,
    "impressions" BIGINT,
    "clicks" BIGINT,
    "imported_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "spend_imports_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "spend_imports_campaign_id_fkey" FOREIGN KEY ("campaign_id")
        REFERENCES "campaigns"("campaign_id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "spend_imports_granularity_check" CHECK ("granularity" IN ('hour', 'day')),
    CONSTRAINT "spend_imports_period_check" CHECK ("period_end" > "period_start"),
    CONSTRAINT "spend_imports_spend_check" CHECK ("spend" >= 0 AND "spend" <= 1000000000),
    CONSTRAINT "spend_imports_counts_check" CHECK (("impressions" IS NULL OR "impressions" >= 0)
        AND ("clicks" IS NULL OR "clicks" >= 0))
);
CREATE UNIQUE INDEX "spend_imports_period_key" ON "spend_imports"("campaign_id", "channel", "period_start");
CREATE INDEX "spend_imports_period_start_idx" ON "spend_imports"("period_start");

-- Target rules judge a campaign against its own catalog targets (budget, target CPA, target ROAS), not a baseline.
ALTER TABLE "alert_rules" DROP CONSTRAINT "alert_rules_method_check",
    ADD CONSTRAINT "alert_rules_method_check" CHECK ("method" IN ('cusum', 'window', 'target'));

-- The built-in money rules. They judge only campaigns whose catalog row sets the target they need (a daily budget,
-- a target CPA, a target ROAS): projected end-of-day spend above the budget by 10%, cost per activation over the
-- last 24 hours above target by 20%, ROAS over the last 24 hours below target by 20%.
INSERT INTO "alert_rules" ("name", "metric", "method", "window_minutes", "baseline_hours", "min_relative_change",
    "recovery_change", "significance", "recovery_significance", "min_volume", "min_baseline_volume")
VALUES
    ('Projected overspend', 'projected_overspend', 'target', 60, 24, 0.1, 0.05, 1, 1, 1, 1),
    ('CPA above target', 'cpa_above_target', 'target', 1440, 24, 0.2, 0.1, 1, 1, 1, 1),
    ('ROAS below target', 'roas_below_target', 'target', 1440, 24, 0.2, 0.1, 1, 1, 1, 1);
