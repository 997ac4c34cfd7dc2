-- Whether a run's matches have been turned into alerts. A run killed before that point leaves
-- false, and the next run plans its alerts (the outbox key keeps that from ever doubling one).
ALTER TABLE run_log ADD COLUMN alerts_planned BOOLEAN DEFAULT false;
