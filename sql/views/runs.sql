-- One row per run: when, how long, feeds by status, entries by outcome.
CREATE OR REPLACE VIEW runs AS
WITH f AS (
    SELECT run_id,
           count(*) FILTER (WHERE status = 'ok')           AS feeds_ok,
           count(*) FILTER (WHERE status = 'not_modified') AS feeds_not_modified,
           count(*) FILTER (WHERE status = 'failed')       AS feeds_failed
    FROM run_feed GROUP BY run_id
), o AS (
    SELECT run_id,
           sum(n)                                               AS entries,
           coalesce(sum(n) FILTER (WHERE outcome = 'new'), 0)            AS new,
           coalesce(sum(n) FILTER (WHERE outcome = 'duplicate_url'), 0)  AS duplicate_url,
           coalesce(sum(n) FILTER (WHERE outcome = 'duplicate_text'), 0) AS duplicate_text,
           coalesce(sum(n) FILTER (WHERE outcome = 'near_duplicate'), 0) AS near_duplicate,
           coalesce(sum(n) FILTER (WHERE outcome = 'fetch_failed'), 0)   AS fetch_failed,
           coalesce(sum(n) FILTER (WHERE outcome = 'not_html'), 0)       AS not_html,
           coalesce(sum(n) FILTER (WHERE outcome = 'too_large'), 0)      AS too_large,
           coalesce(sum(n) FILTER (WHERE outcome = 'no_text'), 0)        AS no_text,
           coalesce(sum(n) FILTER (WHERE outcome = 'invalid_link'), 0)   AS invalid_link,
           coalesce(sum(n) FILTER (WHERE outcome = 'blocked'), 0)        AS blocked
    FROM run_outcome_count GROUP BY run_id
)
SELECT
    r.run_id,
    r.started_at,
    r.finished_at,
    round(epoch(r.finished_at) - epoch(r.started_at), 3) AS duration_s,
    r.status,
    r.trigger,
    r.feeds_total,
    coalesce(f.feeds_ok, 0)           AS feeds_ok,
    coalesce(f.feeds_not_modified, 0) AS feeds_not_modified,
    coalesce(f.feeds_failed, 0)       AS feeds_failed,
    coalesce(o.entries, 0)            AS entries,
    coalesce(o.new, 0)                AS new,
    coalesce(o.duplicate_url, 0)      AS duplicate_url,
    coalesce(o.duplicate_text, 0)     AS duplicate_text,
    coalesce(o.near_duplicate, 0)     AS near_duplicate,
    coalesce(o.fetch_failed, 0)       AS fetch_failed,
    coalesce(o.not_html, 0)           AS not_html,
    coalesce(o.too_large, 0)          AS too_large,
    coalesce(o.no_text, 0)            AS no_text,
    coalesce(o.invalid_link, 0)       AS invalid_link,
    coalesce(o.blocked, 0)            AS blocked,
    (SELECT count(*) FROM theme_match m JOIN article a ON a.id = m.article_id
     WHERE a.run_id = r.run_id AND m.matched)                               AS theme_matches,
    (SELECT count(*) FROM alert al WHERE al.run_id = r.run_id)               AS alerts_queued,
    (SELECT count(*) FROM alert al WHERE al.run_id = r.run_id AND al.status = 'sent') AS alerts_sent,
    r.error
FROM run_log r
LEFT JOIN f USING (run_id)
LEFT JOIN o USING (run_id);
