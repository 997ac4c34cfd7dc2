-- The newest stored articles.
SELECT id, fetched_at, site, feed, language, title, url
FROM articles
ORDER BY fetched_at DESC, id DESC
LIMIT $limit;
