-- One row per story: articles about the same event, across feeds, copies included.
CREATE OR REPLACE VIEW stories AS
SELECT
    a.story_id,
    min(a.fetched_at)                                   AS first_seen,
    max(a.fetched_at)                                   AS last_seen,
    count(*)                                            AS articles,
    count(*) FILTER (WHERE a.duplicate_of IS NOT NULL)  AS near_duplicates,
    count(DISTINCT coalesce(a.site, a.feed))            AS sources,
    arg_min(a.title, a.id)                              AS title,
    list(DISTINCT coalesce(a.site, a.feed) ORDER BY coalesce(a.site, a.feed)) AS source_list
FROM article a
WHERE a.story_id IS NOT NULL
GROUP BY a.story_id;
