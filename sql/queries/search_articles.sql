-- Articles whose title or text contains a phrase (case-insensitive), newest first.
SELECT id, fetched_at, site, title, url
FROM articles
WHERE title ILIKE '%' || $phrase || '%' OR text ILIKE '%' || $phrase || '%'
ORDER BY fetched_at DESC
LIMIT $limit;
