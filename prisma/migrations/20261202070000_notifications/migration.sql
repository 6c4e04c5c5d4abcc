-- Notification channels (webhook, Slack-compatible incoming webhook, email) and one delivery row per message to
-- send. A delivery is enqueued in the same transaction as the alert state change that causes it (a trigger on
-- "alerts"), so a committed change always has its deliveries and a rolled-back one has none.

CREATE TABLE "notification_channels" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "kind" TEXT NOT NULL,
    "target" VARCHAR(2048) NOT NULL,
    "secret" VARCHAR(256),
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "notify_on_fire" BOOLEAN NOT NULL DEFAULT true,
    "notify_on_resolve" BOOLEAN NOT NULL DEFAULT true,
    "repeat_interval_minutes" INTEGER,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "notification_channels_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "notification_channels_kind_check" CHECK ("kind" IN ('webhook', 'slack', 'email')),
    CONSTRAINT "notification_channels_repeat_check" CHECK ("repeat_interval_minutes" > 0)
);
CREATE UNIQUE INDEX "notification_channels_name_key" ON "notification_channels"("name");

CREATE TABLE "notification_deliveries" (
    "id" BIGSERIAL NOT NULL,
    "channel_id" INTEGER NOT NULL,
    "alert_id" INTEGER,
    "event" TEXT NOT NULL,
    "idempotency_key" VARCHAR(200) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_response_code" INTEGER,
    "last_error" VARCHAR(1000),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "sent_at" TIMESTAMPTZ(6),
    CONSTRAINT "notification_deliveries_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "notification_deliveries_event_check" CHECK ("event" IN ('fired', 'resolved', 'repeat', 'test')),
    CONSTRAINT "notification_deliveries_status_check" CHECK ("status" IN ('pending', 'sending', 'sent', 'failed')),
    CONSTRAINT "notification_deliveries_test_check" CHECK (("event" = 'test') = ("alert_id" IS NULL)),
    CONSTRAINT "notification_deliveries_channel_id_fkey" FOREIGN KEY ("channel_id")
        REFERENCES "notification_channels"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "notification_deliveries_alert_id_fkey" FOREIGN KEY ("alert_id")
        REFERENCES "alerts"("alert_id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "notification_deliveries_idempotency_key_key" ON "notification_deliveries"("idempotency_key");
CREATE INDEX "notification_deliveries_alert_id_created_at_idx" ON "notification_deliveries"("alert_id", "created_at");
CREATE INDEX "notification_deliveries_channel_id_created_at_idx"
    ON "notification_deliveries"("channel_id", "created_at");
-- The sweep that queues deliveries without a job reads only the unfinished ones.
CREATE INDEX "notification_deliveries_unfinished_idx" ON "notification_deliveries"("created_at")
    WHERE "status" IN ('pending', 'sending');

-- Inserts one delivery and queues its `deliver_notification` job, both in the caller's transaction. The job key is
-- the idempotency key, in mode unsafe_dedupe: queuing the same delivery again (the sweep below) never replaces a job
-- that is running or waiting for its retry. graphile-worker creates its schema when a worker first starts; until
-- then (a database migrated before any worker ran) the row stays pending and notification_sweep queues it later.
-- Returns the delivery id, or NULL when a delivery with this key exists already.
CREATE FUNCTION "notification_enqueue"(p_channel_id INTEGER, p_alert_id INTEGER, p_event TEXT, p_key TEXT)
    RETURNS BIGINT LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_id BIGINT;
BEGIN
    INSERT INTO notification_deliveries (channel_id, alert_id, event, idempotency_key)
    VALUES (p_channel_id, p_alert_id, p_event, p_key)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NOT NULL THEN
        PERFORM notification_queue_job(v_id, p_key);
    END IF;
    RETURN v_id;
END
$$;

-- 10 attempts: graphile-worker waits exp(attempts) seconds between them (2.7 s, 7.4 s, … 2.3 h), so a receiver that
-- is down for up to about 3.4 hours still gets the message.
CREATE FUNCTION "notification_queue_job"(p_delivery_id BIGINT, p_key TEXT)
    RETURNS VOID LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF to_regnamespace('graphile_worker') IS NOT NULL THEN
        PERFORM graphile_worker.add_job(
            'deliver_notification',
            json_build_object('deliveryId', p_delivery_id::text),
            job_key => p_key,
            max_attempts => 10,
            job_key_mode => 'unsafe_dedupe');
    END IF;
END
$$;

-- Firing = a new alert row; resolved = a status change to resolved. One delivery per enabled channel that wants it.
CREATE FUNCTION "tg_alerts__enqueue_notifications"() RETURNS TRIGGER LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_event TEXT;
BEGIN
    IF TG_OP = 'INSERT' AND NEW.status = 'firing' THEN
        v_event := 'fired';
    ELSIF TG_OP = 'UPDATE' AND NEW.status = 'resolved' AND OLD.status <> 'resolved' THEN
        v_event := 'resolved';
    ELSE
        RETURN NULL;
    END IF;
    PERFORM notification_enqueue(c.id, NEW.alert_id, v_event,
                                 format('alert:%s:%s:0:channel:%s', NEW.alert_id, v_event, c.id))
    FROM notification_channels c
    WHERE c.enabled
      AND CASE v_event WHEN 'fired' THEN c.notify_on_fire ELSE c.notify_on_resolve END;
    RETURN NULL;
END
$$;

CREATE TRIGGER "alerts_enqueue_notifications"
    AFTER INSERT OR UPDATE OF "status" ON "alerts"
    FOR EACH ROW EXECUTE FUNCTION "tg_alerts__enqueue_notifications"();

-- Repeats for alerts still firing (not acknowledged) longer than a channel's interval since their last message on
-- that channel (or since they fired, for a channel added later). The n-th repeat has key alert:<id>:repeat:<n>:…, so
-- two sweeps at once enqueue it once. Returns how many were queued.
CREATE FUNCTION "notification_enqueue_repeats"(p_now TIMESTAMPTZ) RETURNS INTEGER LANGUAGE plpgsql VOLATILE AS $$
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
      AND c.enabled AND c.notify_on_fire AND c.repeat_interval_minutes IS NOT NULL
      AND coalesce(last.at, a.triggered_at) <= p_now - make_interval(mins => c.repeat_interval_minutes);
    RETURN v_count;
END
$$;
