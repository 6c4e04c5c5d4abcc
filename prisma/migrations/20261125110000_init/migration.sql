-- The initial schema: raw events, the minute/hour/day rollups and their dirty queues, alerts and task runs.

CREATE TABLE "raw_events" (
    "event_id" TEXT NOT NULL,
    "ts" TIMESTAMPTZ(6) NOT NULL,
    "user_id" TEXT NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "cost" DECIMAL(18,6) NOT NULL DEFAULT 0,
    "received_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "raw_events_pkey" PRIMARY KEY ("event_id"),
    CONSTRAINT "raw_events_event_type_check"
        CHECK ("event_type" IN ('ad_impression', 'ad_click', 'signup', 'activation')),
    CONSTRAINT "raw_events_cost_check" CHECK ("cost" >= 0)
);
CREATE INDEX "raw_events_ts_idx" ON "raw_events"("ts");
CREATE INDEX "raw_events_campaign_id_ts_idx" ON "raw_events"("campaign_id", "ts");

CREATE TABLE "campaign_metrics_minute" (
    "campaign_id" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "minute" TIMESTAMPTZ(6) NOT NULL,
    "impressions" INTEGER NOT NULL DEFAULT 0,
    "clicks" INTEGER NOT NULL DEFAULT 0,
    "signups" INTEGER NOT NULL DEFAULT 0,
    "activations" INTEGER NOT NULL DEFAULT 0,
    "cost" DECIMAL(20,6) NOT NULL DEFAULT 0,
    "total_cost" DECIMAL(20,6) NOT NULL DEFAULT 0,
    CONSTRAINT "campaign_metrics_minute_pkey" PRIMARY KEY ("campaign_id", "channel", "minute")
);
CREATE INDEX "campaign_metrics_minute_minute_idx" ON "campaign_metrics_minute"("minute");

CREATE TABLE "campaign_metrics_hourly" (
    "campaign_id" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "hour" TIMESTAMPTZ(6) NOT NULL,
    "impressions" INTEGER NOT NULL DEFAULT 0,
    "clicks" INTEGER NOT NULL DEFAULT 0,
    "signups" INTEGER NOT NULL DEFAULT 0,
    "activations" INTEGER NOT NULL DEFAULT 0,
    "cost" DECIMAL(20,6) NOT NULL DEFAULT 0,
    "total_cost" DECIMAL(20,6) NOT NULL DEFAULT 0,
    "ctr" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "click_to_signup" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "signup_to_activation" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "campaign_metrics_hourly_pkey" PRIMARY KEY ("campaign_id", "channel", "hour")
);
CREATE INDEX "campaign_metrics_hourly_hour_idx" ON "campaign_metrics_hourly"("hour");

CREATE TABLE "campaign_metrics_daily" (
    "campaign_id" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "impressions" INTEGER NOT NULL DEFAULT 0,
    "clicks" INTEGER NOT NULL DEFAULT 0,
    "signups" INTEGER NOT NULL DEFAULT 0,
    "activations" INTEGER NOT NULL DEFAULT 0,
    "cost" DECIMAL(20,6) NOT NULL DEFAULT 0,
    "total_cost" DECIMAL(20,6) NOT NULL DEFAULT 0,
    "ctr" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "click_to_signup" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "signup_to_activation" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "campaign_metrics_daily_pkey" PRIMARY KEY ("campaign_id", "channel", "day")
);
CREATE INDEX "campaign_metrics_daily_day_idx" ON "campaign_metrics_daily"("day");

-- Append-only queues (no unique key): see schema.prisma for why that makes them race-free.
CREATE TABLE "rollup_dirty_hours" (
    "id" BIGSERIAL NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "hour" TIMESTAMPTZ(6) NOT NULL,
    "marked_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "rollup_dirty_hours_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "rollup_dirty_hours_key_idx" ON "rollup_dirty_hours"("campaign_id", "channel", "hour");
CREATE INDEX "rollup_dirty_hours_hour_idx" ON "rollup_dirty_hours"("hour");

CREATE TABLE "rollup_dirty_days" (
    "id" BIGSERIAL NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "marked_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "rollup_dirty_days_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "rollup_dirty_days_key_idx" ON "rollup_dirty_days"("campaign_id", "channel", "day");
CREATE INDEX "rollup_dirty_days_day_idx" ON "rollup_dirty_days"("day");

CREATE TABLE "alerts" (
    "alert_id" SERIAL NOT NULL,
    "triggered_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "campaign_id" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "current_value" DOUBLE PRECISION NOT NULL,
    "baseline_value" DOUBLE PRECISION NOT NULL,
    "threshold_value" DOUBLE PRECISION NOT NULL,
    "message" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'firing',
    "acknowledged_at" TIMESTAMPTZ(6),
    "resolved_at" TIMESTAMPTZ(6),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "alerts_pkey" PRIMARY KEY ("alert_id"),
    CONSTRAINT "alerts_status_check" CHECK ("status" IN ('firing', 'acknowledged', 'resolved')),
    CONSTRAINT "alerts_resolved_check" CHECK (("status" = 'resolved') = ("resolved_at" IS NOT NULL))
);
CREATE INDEX "alerts_status_triggered_at_idx" ON "alerts"("status", "triggered_at");
-- One open alert per campaign/channel/metric: Prisma cannot express partial indexes.
CREATE UNIQUE INDEX "alerts_one_open_per_metric_idx" ON "alerts"("campaign_id", "channel", "metric")
    WHERE "resolved_at" IS NULL;

CREATE TABLE "task_runs" (
    "id" BIGSERIAL NOT NULL,
    "task_name" TEXT NOT NULL,
    "scheduled_at" TIMESTAMPTZ(6),
    "started_at" TIMESTAMPTZ(6) NOT NULL,
    "finished_at" TIMESTAMPTZ(6),
    "duration_ms" INTEGER,
    "rows_changed" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    CONSTRAINT "task_runs_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "task_runs_task_name_started_at_idx" ON "task_runs"("task_name", "started_at");
