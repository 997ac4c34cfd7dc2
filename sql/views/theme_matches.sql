-- Every article scored against every theme, with the evidence: the passage that matched and the
-- baseline passage it echoes.
CREATE OR REPLACE VIEW theme_matches AS
SELECT
    m.article_id,
    m.theme_id AS theme,
    m.score,
    m.matched,
    m.passage,
    m.baseline_passage,
    m.scored_at,
    a.title,
    a.url,
    a.site,
    a.published_at,
    a.fetched_at,
    m.concepts
FROM theme_match m
LEFT JOIN article a ON a.id = m.article_id;
