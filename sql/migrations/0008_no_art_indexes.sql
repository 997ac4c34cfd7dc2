-- The tables that grow with history lose their PRIMARY KEY / UNIQUE constraints and indexes.
--
-- DuckDB keeps those as ART indexes and writes each one out whole at every checkpoint, and a
-- checkpoint happens whenever the pipeline closes the file (after each batch, so that analysts'
-- queries get in between). Measured on this machine: closing after storing 100 articles took
-- 0.85 s with 11,400 articles stored and 3.6 s with 57,500; the same insert into a table without
-- indexes, 0.05 s whatever its size. Uniqueness is kept by the only writer, under the run lock:
-- pipeline/store.py looks keys up before inserting and upserts by key (tests check that no
-- article, URL, outcome or match is stored twice). Small tables (runs' logs, feed state, the
-- alert outbox, whose unique key is what guarantees an alert is never sent twice) keep theirs.

DROP INDEX IF EXISTS article_text_hash_idx;

CREATE TABLE article_v8 (
    id                BIGINT NOT NULL,
    url               TEXT NOT NULL,
    canonical_url     TEXT NOT NULL,
    final_url         TEXT,
    guid              TEXT,
    title             TEXT,
    author            TEXT,
    published_at      TIMESTAMP,
    fetched_at        TIMESTAMP NOT NULL,
    language          TEXT,
    site              TEXT,
    feed              TEXT,
    feed_url          TEXT,
    description       TEXT,
    text              TEXT NOT NULL,
    text_hash         TEXT NOT NULL,
    duplicate_of      BIGINT,
    similarity        DOUBLE,
    run_id            TEXT NOT NULL,
    story_id          BIGINT,
    story_terms       TEXT[],
    story_similarity  DOUBLE,
    pruned_at         TIMESTAMP
);
INSERT INTO article_v8 SELECT * FROM article ORDER BY id;
DROP TABLE article;
ALTER TABLE article_v8 RENAME TO article;

CREATE TABLE entry_outcome_v8 (
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
    last_seen_at   TIMESTAMP NOT NULL
);
INSERT INTO entry_outcome_v8 SELECT * FROM entry_outcome ORDER BY first_seen_at;
DROP TABLE entry_outcome;
ALTER TABLE entry_outcome_v8 RENAME TO entry_outcome;

CREATE TABLE theme_match_v8 (
    article_id        BIGINT NOT NULL,
    theme_id          TEXT NOT NULL,
    score             DOUBLE NOT NULL,
    matched           BOOLEAN NOT NULL,
    passage           TEXT,
    baseline_passage  TEXT,
    concepts          TEXT[],
    scored_at         TIMESTAMP NOT NULL
);
INSERT INTO theme_match_v8 SELECT * FROM theme_match ORDER BY article_id, theme_id;
DROP TABLE theme_match;
ALTER TABLE theme_match_v8 RENAME TO theme_match;

CREATE TABLE article_url_v8 (
    canonical_url  TEXT NOT NULL,
    article_id     BIGINT NOT NULL,
    url            TEXT NOT NULL,
    kind           TEXT NOT NULL,
    feed           TEXT,
    first_seen_at  TIMESTAMP NOT NULL
);
INSERT INTO article_url_v8 SELECT * FROM article_url ORDER BY first_seen_at;
DROP TABLE article_url;
ALTER TABLE article_url_v8 RENAME TO article_url;

CREATE TABLE run_feed_v8 (
    run_id       TEXT NOT NULL,
    feed_url     TEXT NOT NULL,
    feed_name    TEXT NOT NULL,
    status       TEXT NOT NULL,
    http_status  INTEGER,
    error        TEXT,
    entries      INTEGER NOT NULL DEFAULT 0,
    new_entries  INTEGER NOT NULL DEFAULT 0,
    elapsed_s    DOUBLE
);
INSERT INTO run_feed_v8 SELECT * FROM run_feed ORDER BY run_id;
DROP TABLE run_feed;
ALTER TABLE run_feed_v8 RENAME TO run_feed;
