-- Every feed entry newsmon has seen, with its one outcome and the reason.
CREATE OR REPLACE VIEW entries AS
SELECT
    feed_name AS feed,
    feed_url,
    title,
    link,
    canonical_url,
    guid,
    published_at,
    outcome,
    reason,
    http_status,
    final_url,
    article_id,
    attempts,
    first_seen_at,
    last_seen_at,
    first_run_id,
    last_run_id
FROM entry_outcome;
