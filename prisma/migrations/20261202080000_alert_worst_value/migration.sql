-- An open alert's values are refreshed every run (they describe now, not the moment it fired); the worst value seen
-- while it was open (lowest rate of a drop, highest cost of a spike) is kept apart so history still shows the peak.
-- Alerts written before this migration have none (NULL): their peak was overwritten and cannot be recovered.
-- A nullable column without a default only changes the catalog: no table rewrite, no long lock.

ALTER TABLE "alerts" ADD COLUMN "worst_value" DOUBLE PRECISION;
