-- Theme matches (with their evidence) and the alert outbox.

-- One row per article and theme scored: the score, whether it matched, and the evidence.
CREATE TABLE theme_match (
    article_id        BIGINT NOT NULL,
    theme_id          TEXT NOT NULL,
    score             DOUBLE NOT NULL,
    matched           BOOLEAN NOT NULL,
    passage           TEXT,
    baseline_passage  TEXT,
    concepts          TEXT[],
    scored_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (article_id, theme_id)
);

-- The outbox: an alert is written here first, then sent. (alert_key, channel) is unique, so an
-- alert can never be queued, or sent, twice. status: pending -> sending -> sent, or back to
-- pending with last_error when the channel fails; 'interrupted' when a crash left the outcome of a
-- send unknown (not retried: better one missing message than a duplicate); 'suppressed' inside a
-- cooldown.
CREATE TABLE alert (
    alert_key         TEXT NOT NULL,
    channel           TEXT NOT NULL,
    channel_redacted  TEXT NOT NULL,
    kind              TEXT NOT NULL,          -- immediate | digest | spike | test
    theme_id          TEXT,
    article_id        BIGINT,
    sources           INTEGER,
    title             TEXT NOT NULL,
    body              TEXT NOT NULL,
    status            TEXT NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT,
    created_at        TIMESTAMP NOT NULL,
    sent_at           TIMESTAMP,
    run_id            TEXT,
    PRIMARY KEY (alert_key, channel)
);
