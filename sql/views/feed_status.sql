-- One row per feed ever fetched: its last fetch, failures in a row (soft/hard), back-off,
-- whether it was auto-disabled, and the articles stored from it.
CREATE OR REPLACE VIEW feed_status AS
SELECT
    s.feed_name AS feed,
    s.feed_url,
    CASE WHEN s.disabled_at IS NOT NULL THEN 'disabled' ELSE s.last_status END AS status,
    s.last_status,
    s.last_http_status,
    s.last_error,
    s.last_failure_kind,
    s.last_fetched_at,
    s.last_ok_at,
    s.consecutive_failures,
    s.hard_failures,
    s.next_attempt_at,
    s.disabled_at,
    s.disabled_reason,
    s.etag IS NOT NULL OR s.last_modified IS NOT NULL AS conditional_get,
    (SELECT count(*) FROM article a WHERE a.feed_url = s.feed_url) AS articles,
    (SELECT max(a.fetched_at) FROM article a WHERE a.feed_url = s.feed_url) AS last_article_at
FROM feed_state s;
