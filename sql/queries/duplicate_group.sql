-- An article's duplicate group: its story root (the earliest copy), every near-copy with its
-- similarity, and every other URL the group is known under.
WITH target AS (
    SELECT coalesce(duplicate_of, id) AS root FROM article WHERE id = $article_id
), grp AS (
    SELECT a.id, CASE WHEN a.id = t.root THEN 'original' ELSE 'near-copy' END AS role,
           a.similarity, a.site, a.feed, a.fetched_at, a.title, a.url
    FROM article a, target t
    WHERE a.id = t.root OR a.duplicate_of = t.root
    UNION ALL
    SELECT u.article_id, 'alias (' || u.kind || ')', NULL, NULL, u.feed, u.first_seen_at, NULL, u.url
    FROM article_url u
    JOIN article a2 ON a2.id = u.article_id
    JOIN target t ON a2.id = t.root OR a2.duplicate_of = t.root
    WHERE u.kind <> 'canonical'
)
SELECT * FROM grp ORDER BY role <> 'original', fetched_at, id;
