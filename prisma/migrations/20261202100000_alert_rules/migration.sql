-- Alert rules as data. Each rule watches one metric over a scope (all campaigns, one campaign or one channel) with
-- its own detection method and parameters, a pending period ("for") and a severity; rules route to notification
-- channels (none listed = every enabled channel); silences mute notifications by scope for a time. The four rules
-- seeded here carry the worker's former defaults, so an upgraded install detects exactly as before.

CREATE TABLE "alert_rules" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "metric" TEXT NOT NULL,
    "scope" TEXT NOT NULL DEFAULT 'all',
    "scope_value" VARCHAR(128),
    "method" TEXT NOT NULL,
    "window_minutes" INTEGER NOT NULL,
    "baseline" TEXT NOT NULL DEFAULT 'trailing',
    "baseline_hours" INTEGER NOT NULL,
    "min_relative_change" DOUBLE PRECISION NOT NULL,
    "recovery_change" DOUBLE PRECISION NOT NULL,
    "significance" DOUBLE PRECISION NOT NULL,
    "recovery_significance" DOUBLE PRECISION NOT NULL,
    "min_volume" INTEGER NOT NULL,
    "min_baseline_volume" INTEGER NOT NULL,
    "expected_value" DOUBLE PRECISION,
    "pending_minutes" INTEGER NOT NULL DEFAULT 0,
    "severity" TEXT NOT NULL DEFAULT 'warning',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "alert_rules_pkey" PRIMARY KEY ("id"),
    -- The full validation (which metric takes which method, ranges) is @pmd/domain's validateAlertRule; these keep
    -- the table sane whoever writes to it.
    CONSTRAINT "alert_rules_scope_check" CHECK ("scope" IN ('all', 'campaign', 'channel')),
    CONSTRAINT "alert_rules_scope_value_check" CHECK (("scope" = 'all') = ("scope_value" IS NULL)),
    CONSTRAINT "alert_rules_method_check" CHECK ("method" IN ('cusum', 'window')),
    CONSTRAINT "alert_rules_baseline_check" CHECK ("baseline" IN ('trailing', 'last_week')),
    CONSTRAINT "alert_rules_severity_check" CHECK ("severity" IN ('info', 'warning', 'critical')),
    CONSTRAINT "alert_rules_window_check" CHECK ("window_minutes" BETWEEN 1 AND 1440),
    CONSTRAINT "alert_rules_baseline_hours_check" CHECK ("baseline_hours" BETWEEN 1 AND 336),
    CONSTRAINT "alert_rules_pending_check" CHECK ("pending_minutes" BETWEEN 0 AND 1440),
    CONSTRAINT "alert_rules_change_check" CHECK ("min_relative_change" > 0 AND "recovery_change" >= 0
        AND "recovery_change" < "min_relative_change"),
    CONSTRAINT "alert_rules_volume_check" CHECK ("min_volume" >= 1 AND "min_baseline_volume" >= 1)
);
CREATE UNIQUE INDEX "alert_rules_name_key" ON "alert_rules"("name");

-- Where a rule's alerts are announced. A rule with no rows here notifies every enabled channel (the default route).
CREATE TABLE "alert_rule_channels" (
    "rule_id" INTEGER NOT NULL,
    "channel_id" INTEGER NOT NULL,
    CONSTRAINT "alert_rule_channels_pkey" PRIMARY KEY ("rule_id", "channel_id"),
    CONSTRAINT "alert_rule_channels_rule_id_fkey" FOREIGN KEY ("rule_id")
        REFERENCES "alert_rules"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "alert_rule_channels_channel_id_fkey" FOREIGN KEY ("channel_id")
        REFERENCES "notification_channels"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "alert_rule_channels_channel_id_idx" ON "alert_rule_channels"("channel_id");

-- A silence mutes the notifications of every alert it matches while it lasts (alerts still fire, resolve and show on
-- the dashboard): a null matcher matches anything, so a silence with only channel = 'meta' mutes all of Meta.
CREATE TABLE "alert_silences" (
    "id" SERIAL NOT NULL,
    "rule_id" INTEGER,
    "campaign_id" VARCHAR(128),
    "channel" VARCHAR(64),
    "starts_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "ends_at" TIMESTAMPTZ(6) NOT NULL,
    "created_by" VARCHAR(100),
    "comment" VARCHAR(1000),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "alert_silences_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "alert_silences_period_check" CHECK ("ends_at" > "starts_at"),
    CONSTRAINT "alert_silences_rule_id_fkey" FOREIGN KEY ("rule_id")
        REFERENCES "alert_rules"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "alert_silences_ends_at_idx" ON "alert_silences"("ends_at");

-- The worker's former defaults (ANOMALY_* of the previous release): CUSUM over a 60-minute lookback for the two
-- rates it judges well, the 15-minute window rule for signup→activation (activations lag signups by minutes) and for
-- CPC (no per-minute variance of spend to build a likelihood from).
INSERT INTO "alert_rules" ("name", "metric", "method", "window_minutes", "baseline_hours", "min_relative_change",
    "recovery_change", "significance", "recovery_significance", "min_volume", "min_baseline_volume")
VALUES
    ('CTR drop', 'ctr_drop', 'cusum', 60, 24, 0.3, 0.15, 10, 3, 200, 2000),
    ('Click→signup drop', 'click_to_signup_drop', 'cusum', 60, 24, 0.3, 0.15, 10, 3, 200, 2000),
    ('Signup→activation drop', 'signup_to_activation_drop', 'window', 15, 24, 0.3, 0.15, 3, 3, 200, 200),
    ('CPC spike', 'cpc_spike', 'window', 15, 24, 0.3, 0.15, 3, 3, 200, 200);

-- An alert belongs to the rule that raised it (null once that rule is deleted) and keeps the severity it was raised
-- with. `pending`: the rule's condition holds but not yet for its pending period; nobody is notified. `cancelled`:
-- a pending alert whose condition cleared before its period (it never fired; its history says so). Like a resolved
-- alert it is closed: resolved_at is when it closed.
ALTER TABLE "alerts"
    ADD COLUMN "rule_id" INTEGER,
    ADD COLUMN "severity" TEXT NOT NULL DEFAULT 'warning',
    ADD COLUMN "pending_since" TIMESTAMPTZ(6),
    -- A baseline a week back (rule baseline last_week) does not end where the window starts; null: it does.
    ADD COLUMN "baseline_end" TIMESTAMPTZ(6),
    ADD CONSTRAINT "alerts_rule_id_fkey" FOREIGN KEY ("rule_id")
        REFERENCES "alert_rules"("id") ON DELETE SET NULL ON UPDATE CASCADE,
    ADD CONSTRAINT "alerts_severity_check" CHECK ("severity" IN ('info', 'warning', 'critical')),
    DROP CONSTRAINT "alerts_status_check",
    ADD CONSTRAINT "alerts_status_check"
        CHECK ("status" IN ('pending', 'firing', 'acknowledged', 'resolved', 'cancelled')),
    DROP CONSTRAINT "alerts_resolved_check",
    ADD CONSTRAINT "alerts_resolved_check" CHECK (("status" IN ('resolved', 'cancelled')) = ("resolved_at" IS NOT NULL));

UPDATE "alerts" a SET "rule_id" = r."id" FROM "alert_rules" r WHERE r."metric" = a."metric";

-- One unresolved alert per rule, campaign and channel (was: per metric, when there was one rule per metric).
DROP INDEX "alerts_one_open_per_metric_idx";
CREATE UNIQUE INDEX "alerts_one_open_per_rule_idx" ON "alerts"("rule_id", "campaign_id", "channel")
    WHERE "resolved_at" IS NULL;

-- Whether a silence mutes an alert of this rule, campaign and channel at p_at.
CREATE FUNCTION "alert_silenced"(p_rule_id INTEGER, p_campaign_id TEXT, p_channel TEXT, p_at TIMESTAMPTZ)
    RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM alert_silences s
        WHERE s.starts_at <= p_at AND s.ends_at > p_at
          AND (s.rule_id IS NULL OR s.rule_id = p_rule_id)
          AND (s.campaign_id IS NULL OR s.campaign_id = p_campaign_id)
          AND (s.channel IS NULL OR s.channel = p_channel))
$$;

-- Whether a rule's alerts go to a channel: the rule lists it, or the rule lists none (the default route).
CREATE FUNCTION "alert_rule_routes_to"(p_rule_id INTEGER, p_channel_id INTEGER)
    RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT NOT EXISTS (SELECT 1 FROM alert_rule_channels r WHERE r.rule_id = p_rule_id)
        OR EXISTS (SELECT 1 FROM alert_rule_channels r WHERE r.rule_id = p_rule_id AND r.channel_id = p_channel_id)
$$;

-- Fired = a new firing alert or a pending one that reached its period; resolved = a fired alert resolving (a channel
-- that was told it fired hears that it resolved, even if the rule's routing changed since). Silenced alerts send
-- nothing.
CREATE OR REPLACE FUNCTION "tg_alerts__enqueue_notifications"() RETURNS TRIGGER LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_event TEXT;
BEGIN
    IF NEW.status = 'firing' AND (TG_OP = 'INSERT' OR OLD.status = 'pending') THEN
        v_event := 'fired';
    ELSIF TG_OP = 'UPDATE' AND NEW.status = 'resolved' AND OLD.status IN ('firing', 'acknowledged') THEN
        v_event := 'resolved';
    ELSE
        RETURN NULL;
    END IF;
    IF alert_silenced(NEW.rule_id, NEW.campaign_id, NEW.channel, now()) THEN
        RETURN NULL;
    END IF;
    PERFORM notification_enqueue(c.id, NEW.alert_id, v_event,
                                 format('alert:%s:%s:0:channel:%s', NEW.alert_id, v_event, c.id))
    FROM notification_channels c
    WHERE c.enabled
      AND CASE v_event
          WHEN 'fired' THEN c.notify_on_fire AND alert_rule_routes_to(NEW.rule_id, c.id)
          ELSE c.notify_on_resolve AND (
              EXISTS (SELECT 1 FROM notification_deliveries d
                      WHERE d.alert_id = NEW.alert_id AND d.channel_id = c.id AND d.event IN ('fired', 'repeat'))
              OR (NOT c.notify_on_fire AND alert_rule_routes_to(NEW.rule_id, c.id)))
          END;
    RETURN NULL;
END
$$;

-- Repeats follow the rule's routing and wait out silences as they wait out snoozes.
CREATE OR REPLACE FUNCTION "notification_enqueue_repeats"(p_now TIMESTAMPTZ) RETURNS INTEGER
    LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_count INTEGER;
BEGIN
    SELECT count(notification_enqueue(c.id, a.alert_id, 'repeat',
                                      format('alert:%s:repeat:%s:channel:%s', a.alert_id, last.repeats + 1, c.id)))
    INTO v_count
    FROM alerts a
    CROSS JOIN notification_channels c
    CROSS JOIN LATERAL (
        SELECT max(d.created_at) AS at, count(*) FILTER (WHERE d.event = 'repeat') AS repeats
        FROM notification_deliveries d
        WHERE d.alert_id = a.alert_id AND d.channel_id = c.id AND d.event IN ('fired', 'repeat')
    ) last
    WHERE a.status = 'firing'
      -- A snoozed alert's reminders wait until the snooze ends (then the interval counts from the last one sent).
      AND (a.snoozed_until IS NULL OR a.snoozed_until <= p_now)
      AND NOT alert_silenced(a.rule_id, a.campaign_id, a.channel, p_now)
      AND alert_rule_routes_to(a.rule_id, c.id)
      AND c.enabled AND c.notify_on_fire AND c.repeat_interval_minutes IS NOT NULL
      AND coalesce(last.at, a.triggered_at) <= p_now - make_interval(mins => c.repeat_interval_minutes);
    RETURN v_count;
END
$$;
