-- Core schema: runs, feeds, entries and their outcomes, articles and their URLs, baselines.
-- Internal tables are singular nouns; analysts use the views in sql/views/ (plural nouns).

CREATE TABLE run_log (
    run_id       TEXT PRIMARY KEY,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    status       TEXT NOT NULL,            -- running | completed | failed
    trigger      TEXT,                     -- cli | demo | schedule | test
    feeds_total  INTEGER NOT NULL DEFAULT 0,
    error        TEXT
);

CREATE TABLE run_feed (
    run_id       TEXT NOT NULL,
    feed_url     TEXT NOT NULL,
    feed_name    TEXT NOT NULL,
    status       TEXT NOT NULL,            -- ok | not_modified | failed
    http_status  INTEGER,
    error        TEXT,
    entries      INTEGER NOT NULL DEFAULT 0,
    new_entries  INTEGER NOT NULL DEFAULT 0,
    elapsed_s    DOUBLE,
    PRIMARY KEY (run_id, feed_url)
);

CREATE TABLE run_outcome_count (
    run_id   TEXT NOT NULL,
    outcome  TEXT NOT NULL,
    n        BIGINT NOT NULL,
    PRIMARY KEY (run_id, outcome)
);

CREATE TABLE feed_state (
    feed_url              TEXT PRIMARY KEY,
    feed_name             TEXT NOT NULL,
    etag                  TEXT,
    last_modified         TEXT,
    last_status           TEXT,            -- ok | not_modified | failed
    last_http_status      INTEGER,
    last_error            TEXT,
    last_fetched_at       TIMESTAMP,
    last_ok_at            TIMESTAMP,
    consecutive_failures  INTEGER NOT NULL DEFAULT 0
);

-- One row per entry per feed: its one outcome. entry_key is the guid, or the canonical URL
-- when the feed gives no guid. A retryable outcome (fetch_failed) is updated in place.
CREATE TABLE entry_outcome (
    feed_url       TEXT NOT NULL,
    entry_key      TEXT NOT NULL,
    feed_name      TEXT NOT NULL,
    guid           TEXT,
    link           TEXT NOT NULL,
    canonical_url  TEXT NOT NULL,
    title          TEXT,
    published_at   TIMESTAMP,
    outcome        TEXT NOT NULL,
    reason         TEXT,
    http_status    INTEGER,
    final_url      TEXT,
    article_id     BIGINT,
    attempts       INTEGER NOT NULL DEFAULT 1,
    first_run_id   TEXT NOT NULL,
    last_run_id    TEXT NOT NULL,
    first_seen_at  TIMESTAMP NOT NULL,
    last_seen_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (feed_url, entry_key)
);

CREATE TABLE article (
    id             BIGINT PRIMARY KEY,
    url            TEXT NOT NULL,
    canonical_url  TEXT NOT NULL UNIQUE,
    final_url      TEXT,
    guid           TEXT,
    title          TEXT,
    author         TEXT,
    published_at   TIMESTAMP,
    fetched_at     TIMESTAMP NOT NULL,
    language       TEXT,
    site           TEXT,
    feed           TEXT,
    feed_url       TEXT,
    description    TEXT,
    text           TEXT NOT NULL,
    text_hash      TEXT NOT NULL,
    duplicate_of   BIGINT,
    similarity     DOUBLE,
    run_id         TEXT NOT NULL
);
CREATE INDEX article_text_hash_idx ON article (text_hash);

-- Every canonical URL under which an article is known: its own, aliases seen in other feeds or
-- forms, and the final URL of a redirect.
CREATE TABLE article_url (
    canonical_url  TEXT PRIMARY KEY,
    article_id     BIGINT NOT NULL,
    url            TEXT NOT NULL,
    kind           TEXT NOT NULL,          -- canonical | alias | redirect
    feed           TEXT,
    first_seen_at  TIMESTAMP NOT NULL
);

-- The baseline articles that define the tracked themes (config/baselines/*.txt).
CREATE TABLE baseline (
    file       TEXT PRIMARY KEY,
    sha256     TEXT NOT NULL,
    title      TEXT NOT NULL,
    text       TEXT NOT NULL,
    theme_ids  TEXT[] NOT NULL,
    loaded_at  TIMESTAMP NOT NULL
);
