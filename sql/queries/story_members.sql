-- Every article of an article's story, with how each joined it.
SELECT a.id, a.story_id, a.story_similarity, a.duplicate_of, a.similarity, a.site, a.fetched_at, a.title
FROM article a
WHERE a.story_id = (SELECT story_id FROM article WHERE id = $article_id)
ORDER BY a.id;
