-- Feed health (pipeline/feedhealth.py): hard failures in a row, back-off, auto-disable.
ALTER TABLE feed_state ADD COLUMN hard_failures INTEGER DEFAULT 0;
ALTER TABLE feed_state ADD COLUMN last_failure_kind TEXT;          -- soft | hard
ALTER TABLE feed_state ADD COLUMN next_attempt_at TIMESTAMP;      -- not fetched before this
ALTER TABLE feed_state ADD COLUMN disabled_at TIMESTAMP;          -- auto-disabled; `newsmon feeds enable URL`
ALTER TABLE feed_state ADD COLUMN disabled_reason TEXT;
