-- Articles ranked by BM25 over title and text (DuckDB fts; `newsmon search` keeps the index fresh).
SELECT id, round(score, 3) AS score, fetched_at, site, title, url
FROM (
    SELECT *, fts_main_article.match_bm25(id, $query) AS score FROM articles
) ranked
WHERE score IS NOT NULL
ORDER BY score DESC
LIMIT $limit;
