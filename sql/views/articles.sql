-- One row per stored article. duplicate_of is set for near-copies of an earlier article.
CREATE OR REPLACE VIEW articles AS
SELECT
    a.id,
    a.url,
    a.canonical_url,
    a.title,
    a.author,
    a.published_at,
    a.fetched_at,
    a.language,
    a.site,
    a.feed,
    a.text,
    a.duplicate_of,
    a.similarity,
    a.story_id,
    a.story_similarity,
    a.final_url,
    (SELECT count(*) FROM article_url u WHERE u.article_id = a.id AND u.kind <> 'canonical') AS aliases,
    a.run_id
FROM article a;
