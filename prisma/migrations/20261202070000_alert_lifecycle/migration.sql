-- An alert's life as people handle it: who acknowledged it and why, until when it is snoozed, and every state change
-- kept (the alert row holds only the latest). One trigger records every change, whoever makes it (the worker firing
-- or resolving, a person acknowledging or snoozing): a transaction may name its actor and note with
-- set_config('pmd.actor' / 'pmd.note', …, true); without them the change is the system's.
-- Nullable columns without defaults only change the catalog: no table rewrite, no long lock.

ALTER TABLE "alerts"
    ADD COLUMN "acknowledged_by" TEXT,
    ADD COLUMN "acknowledge_note" TEXT,
    ADD COLUMN "snoozed_until" TIMESTAMPTZ(6),
    ADD CONSTRAINT "alerts_acknowledged_by_length" CHECK (char_length("acknowledged_by") <= 100),
    ADD CONSTRAINT "alerts_acknowledge_note_length" CHECK (char_length("acknowledge_note") <= 1000);

CREATE TABLE "alert_state_changes" (
    "id" BIGSERIAL NOT NULL,
    "alert_id" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "from_status" TEXT,
    "to_status" TEXT NOT NULL,
    "snoozed_until" TIMESTAMPTZ(6),
    "actor" TEXT,
    "note" TEXT,
    "current_value" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "alert_state_changes_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "alert_state_changes_alert_id_fkey" FOREIGN KEY ("alert_id") REFERENCES "alerts"("alert_id") ON DELETE CASCADE
);

CREATE INDEX "alert_state_changes_alert_id_at_idx" ON "alert_state_changes"("alert_id", "at");

CREATE FUNCTION "tg_alerts__record_state_change"() RETURNS trigger
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status OR NEW.snoozed_until IS DISTINCT FROM OLD.snoozed_until THEN
    INSERT INTO alert_state_changes (alert_id, from_status, to_status, snoozed_until, actor, note, current_value)
    VALUES (
      NEW.alert_id,
      CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END,
      NEW.status,
      NEW.snoozed_until,
      -- A local setting reads '' after its transaction in the same session: treat as unset.
      NULLIF(current_setting('pmd.actor', true), ''),
      NULLIF(current_setting('pmd.note', true), ''),
      NEW.current_value
    );
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "alerts_record_state_change"
    AFTER INSERT OR UPDATE OF "status", "snoozed_until" ON "alerts"
    FOR EACH ROW EXECUTE FUNCTION "tg_alerts__record_state_change"();

-- The changes existing alerts already went through, as far as their rows tell.
INSERT INTO "alert_state_changes" ("alert_id", "at", "from_status", "to_status", "current_value")
SELECT "alert_id", "triggered_at", NULL, 'firing', "current_value" FROM "alerts"
UNION ALL
SELECT "alert_id", "acknowledged_at", 'firing', 'acknowledged', "current_value" FROM "alerts" WHERE "acknowledged_at" IS NOT NULL
UNION ALL
SELECT "alert_id", "resolved_at", CASE WHEN "acknowledged_at" IS NOT NULL THEN 'acknowledged' ELSE 'firing' END,
       'resolved', "current_value"
FROM "alerts" WHERE "resolved_at" IS NOT NULL;
